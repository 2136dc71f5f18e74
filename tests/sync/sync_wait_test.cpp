// Event, Condition and Barrier in one process, from threads: CPython's _TestEvent,
// _TestCondition and _TestBarrier scenarios (reference §3.5).
#include <mpact/codec.hpp>
#include <mpact/node.hpp>
#include <mpact/sync.hpp>
#include <mpact/task.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <concepts>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

std::atomic<int> action_runs{0};
void count_action() {
    ++action_runs;
}
MPACT_TASK(count_action);
void throwing_action() {
    throw mpact::ValueError("the action failed");
}
MPACT_TASK(throwing_action);

// Runs `body` on a thread; the future ends when it returns.
std::future<void> on_thread(std::function<void()> body) {
    return std::async(std::launch::async, std::move(body));
}

}  // namespace

TEST_CASE("Event: wait(0) and wait(timeout) fail while clear, succeed at once when set" *
          doctest::timeout(30)) {
    mpact::Event event;  // S-10
    CHECK_FALSE(event.is_set());
    CHECK_FALSE(event.wait(0s));
    auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(event.wait(100ms));
    CHECK(std::chrono::steady_clock::now() - t0 >= 90ms);
    event.set();
    CHECK(event.is_set());
    CHECK(event.wait());
    CHECK(event.wait(100ms));
    event.clear();
    CHECK_FALSE(event.is_set());
    auto waiter = std::async(std::launch::async, [&] { return event.wait(20s); });
    CHECK(waiter.wait_for(100ms) == std::future_status::timeout);
    event.set();
    CHECK(waiter.get());
}

TEST_CASE("Condition: wait without the lock raises, wait(timeout) returns false, keeps the lock" *
          doctest::timeout(30)) {
    mpact::Condition cond;  // S-8, S-9
    CHECK_THROWS_AS(static_cast<void>(cond.wait(0s)), mpact::ValueError);
    CHECK_THROWS_AS(cond.notify(), mpact::ValueError);
    std::unique_lock guard(cond);
    CHECK_FALSE(cond.wait(0s));
    auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(cond.wait(100ms));
    CHECK(std::chrono::steady_clock::now() - t0 >= 90ms);
    CHECK(cond.wait_for(guard, 10ms) == std::cv_status::timeout);
    // The lock came back: another thread cannot take it.
    CHECK_FALSE(on_thread([&] { CHECK_FALSE(cond.try_lock()); }).wait_for(10s) ==
                std::future_status::timeout);
    mpact::Lock other;
    std::unique_lock<mpact::Lock> wrong(other);
    CHECK_THROWS_AS(cond.wait_for(wrong, 10ms), mpact::ValueError);
}

TEST_CASE("Condition: notify(n) wakes n waiters, then 4 more, then none are left" *
          doctest::timeout(60)) {
    mpact::Lock lock;
    mpact::Condition cond{lock};  // S-7, over a plain Lock
    std::atomic<int> sleeping{0}, woken{0};
    std::vector<std::future<void>> waiters;
    for (int i = 0; i < 6; ++i) {
        waiters.push_back(on_thread([&] {
            std::unique_lock guard(lock);
            ++sleeping;
            cond.wait(guard);
            ++woken;
        }));
    }
    REQUIRE(mpact::test::eventually([&] { return sleeping == 6; }));
    auto notify = [&](std::uint32_t n) {
        std::scoped_lock guard(lock);  // once we hold it, every sleeper is enrolled
        cond.notify(n);
    };
    notify(2);
    REQUIRE(mpact::test::eventually([&] { return woken == 2; }));
    CHECK_FALSE(mpact::test::eventually([&] { return woken > 2; }, 200ms));
    notify(4);
    REQUIRE(mpact::test::eventually([&] { return woken == 6; }));
    notify(3);
    CHECK(woken == 6);
    for (auto& w : waiters) w.get();
}

TEST_CASE("Condition: notify_all wakes every waiter, wait_for returns the predicate's value" *
          doctest::timeout(60)) {
    mpact::Condition cond;  // S-6, S-8
    // Guarded by the condition's lock; atomic only because TSan cannot see that lock's
    // ordering (its hand-offs travel through libzmq and sockets, which TSan does not see).
    std::atomic<int> state{0};
    std::atomic<int> woken{0};
    std::vector<std::future<void>> waiters;
    for (int i = 0; i < 3; ++i) {
        waiters.push_back(on_thread([&] {
            std::unique_lock guard(cond);
            auto got = cond.wait_for([&] { return state >= 4 ? state.load() : 0; }, 30s);
            CHECK(got == 4);
            ++woken;
        }));
    }
    for (int i = 0; i < 4; ++i) {
        std::scoped_lock guard(cond);
        ++state;
        cond.notify_all();
    }
    for (auto& w : waiters) REQUIRE(w.wait_for(30s) == std::future_status::ready);
    CHECK(woken == 3);
    std::unique_lock guard(cond);
    auto t0 = std::chrono::steady_clock::now();
    CHECK(cond.wait_for([&] { return state == 5; }, 100ms) == false);
    CHECK(std::chrono::steady_clock::now() - t0 >= 90ms);
}

TEST_CASE("Barrier: exactly one party gets 0, the action runs once per pass" *
          doctest::timeout(60)) {
    action_runs = 0;
    mpact::Barrier barrier{3, count_action};  // S-12
    std::mutex m;
    std::multiset<int> indices;
    auto party = [&] {
        for (int pass = 0; pass < 5; ++pass) {
            int i = barrier.wait(30s);
            std::scoped_lock g(m);
            indices.insert(i);
        }
    };
    auto a = on_thread(party), b = on_thread(party);
    party();
    a.get();
    b.get();
    CHECK(indices.count(0) == 5);
    CHECK(indices.count(1) == 5);
    CHECK(indices.count(2) == 5);
    CHECK(action_runs == 5);
    CHECK(barrier.n_waiting() == 0);
    CHECK_FALSE(barrier.broken());
    mpact::Barrier single{1};
    CHECK(single.wait() == 0);
    CHECK(single.wait() == 0);
}

TEST_CASE("Barrier: abort breaks current and later waits, reset makes it usable again" *
          doctest::timeout(60)) {
    mpact::Barrier barrier{3};  // S-13
    auto waiter = on_thread(
        [&] { CHECK_THROWS_AS(static_cast<void>(barrier.wait(30s)), mpact::BrokenBarrierError); });
    REQUIRE(mpact::test::eventually([&] { return barrier.n_waiting() == 1; }));
    barrier.abort();
    waiter.get();
    CHECK(barrier.broken());
    CHECK_THROWS_AS(static_cast<void>(barrier.wait(30s)), mpact::BrokenBarrierError);
    barrier.reset();
    CHECK_FALSE(barrier.broken());
    auto a = on_thread([&] { static_cast<void>(barrier.wait(30s)); });
    auto b = on_thread([&] { static_cast<void>(barrier.wait(30s)); });
    static_cast<void>(barrier.wait(30s));
    a.get();
    b.get();
    // reset while one waits: it gets BrokenBarrierError, the barrier is whole again
    auto c = on_thread(
        [&] { CHECK_THROWS_AS(static_cast<void>(barrier.wait(30s)), mpact::BrokenBarrierError); });
    REQUIRE(mpact::test::eventually([&] { return barrier.n_waiting() == 1; }));
    barrier.reset();
    c.get();
    CHECK_FALSE(barrier.broken());
}

TEST_CASE("Barrier: a timeout, given or default, breaks it for every party" *
          doctest::timeout(60)) {
    for (bool by_default : {false, true}) {  // S-14
        mpact::Barrier barrier = by_default ? mpact::Barrier{3, nullptr, 300ms} : mpact::Barrier{3};
        auto party = [&] {
            if (by_default) {
                CHECK_THROWS_AS(static_cast<void>(barrier.wait()), mpact::BrokenBarrierError);
            } else {
                CHECK_THROWS_AS(static_cast<void>(barrier.wait(300ms)), mpact::BrokenBarrierError);
            }
        };
        auto a = on_thread(party);
        party();
        a.get();
        CHECK(barrier.broken());
        CHECK_THROWS_AS(static_cast<void>(barrier.wait(30s)), mpact::BrokenBarrierError);
    }
}

TEST_CASE("Barrier: an action that throws breaks the barrier, its party gets the exception" *
          doctest::timeout(60)) {
    mpact::Barrier barrier{2, throwing_action};
    auto other = on_thread([&] {
        try {
            static_cast<void>(barrier.wait(30s));
        } catch (const mpact::BrokenBarrierError&) {
        } catch (const mpact::ValueError&) {  // whichever arrived last ran the action
        }
    });
    bool raised = false;
    try {
        static_cast<void>(barrier.wait(30s));
    } catch (const mpact::Error&) {
        raised = true;
    }
    other.get();
    CHECK(raised);
    CHECK(barrier.broken());
}
