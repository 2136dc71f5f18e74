// mpact::ProcessPoolExecutor and mpact::Future against concurrent.futures' semantics (issue
// #17 point 4): submit/result, errors with their types, timeouts, cancel of a pending (not
// a running) future, done callbacks, as_completed order, wait's three modes, map order and
// its whole-iteration timeout, shutdown(wait=false, cancel_futures=true), submit after
// shutdown, and a worker SIGKILLed mid-task (Python: BrokenProcessPool for good; here the
// executor keeps serving).
#include <mpact/executor.hpp>
#include <mpact/sync.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ranges>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

int square(int x) {
    return x * x;
}
MPACT_TASK(square);

void nothing() {}
MPACT_TASK(nothing);

int fails(int x) {
    throw mpact::KeyError("no key " + std::to_string(x));
}
MPACT_TASK(fails);

// Holds its worker until the test opens `gate` (a Value in the test's process), at most 30 s;
// returns x.
int gated(mpact::Value<int> gate, int x) {
    for (int i = 0; i < 30000 && gate.load() == 0; ++i) std::this_thread::sleep_for(1ms);
    return x;
}
MPACT_TASK(gated);

int nap_ms(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
}
MPACT_TASK(nap_ms);

// Waits (bounded) until `f` is in a worker's hands.
template <class R>
bool becomes_running(const mpact::Future<R>& f) {
    return mpact::test::eventually([&] { return f.running(); });
}

}  // namespace

TEST_CASE("submit returns a Future whose result is the task's") {
    mpact::ProcessPoolExecutor ex{{.max_workers = 2}};
    auto f = ex.submit(square, 7);
    CHECK(f.result(20s) == 49);
    CHECK(f.done());
    CHECK_FALSE(f.cancelled());
    CHECK_FALSE(f.running());
    CHECK(f.exception() == nullptr);
    auto copy = f;  // a copy shares the state
    CHECK(copy.result() == 49);
    mpact::Future<void> v = ex.submit(nothing);
    v.result(20s);
    CHECK(v.done());
}

TEST_CASE("a task's error propagates with its type, through result() and exception()") {
    mpact::ProcessPoolExecutor ex{{.max_workers = 1}};
    auto f = ex.submit(fails, 3);
    CHECK_THROWS_AS(f.result(20s), mpact::KeyError);
    auto e = f.exception(20s);
    REQUIRE(e != nullptr);
    CHECK_THROWS_AS(std::rethrow_exception(e), mpact::KeyError);
    CHECK_FALSE(f.cancelled());
}

TEST_CASE("result(timeout) and exception(timeout) throw TimeoutError while not done") {
    mpact::Value<int> gate{0};
    mpact::ProcessPoolExecutor ex{{.max_workers = 1}};
    auto f = ex.submit(gated, gate, 5);
    CHECK_THROWS_AS(f.result(100ms), mpact::TimeoutError);
    CHECK_THROWS_AS(static_cast<void>(f.exception(50ms)), mpact::TimeoutError);
    CHECK_FALSE(f.done());
    gate.store(1);
    CHECK(f.result(20s) == 5);
}

TEST_CASE("cancel succeeds only on a pending future, never on a running one") {
    mpact::Value<int> gate{0};
    mpact::ProcessPoolExecutor ex{{.max_workers = 1}};
    auto busy = ex.submit(gated, gate, 1);
    REQUIRE(becomes_running(busy));
    auto pending = ex.submit(square, 3);
    CHECK_FALSE(pending.running());
    CHECK(pending.cancel());
    CHECK(pending.cancelled());
    CHECK(pending.done());
    CHECK(pending.cancel());  // already cancelled: true, as Python
    CHECK_THROWS_AS(pending.result(5s), mpact::CancelledError);
    CHECK_THROWS_AS(static_cast<void>(pending.exception()), mpact::CancelledError);
    CHECK_FALSE(busy.cancel());  // running: not cancelled, not killed
    CHECK_FALSE(busy.cancelled());
    gate.store(1);
    CHECK(busy.result(20s) == 1);
    CHECK_FALSE(busy.cancel());  // finished
    CHECK(ex.submit(square, 4).result(20s) == 16);
}

TEST_CASE("add_done_callback runs once done, at once on this thread if done already") {
    mpact::Value<int> gate{0};
    mpact::ProcessPoolExecutor ex{{.max_workers = 1}};
    auto f = ex.submit(gated, gate, 8);
    std::atomic<int> calls{0}, seen{0};
    std::atomic<bool> on_other_thread{false};
    const auto me = std::this_thread::get_id();
    f.add_done_callback([&](mpact::Future<int>& g) {
        seen = g.result();
        on_other_thread = std::this_thread::get_id() != me;
        ++calls;
    });
    CHECK(calls == 0);
    gate.store(1);
    REQUIRE(mpact::test::eventually([&] { return calls == 1; }, 20s));
    CHECK(seen == 8);
    CHECK(on_other_thread);
    bool here = false;
    f.add_done_callback([&](mpact::Future<int>&) { here = std::this_thread::get_id() == me; });
    CHECK(here);  // already done: called before add_done_callback returned
    CHECK(calls == 1);
}

TEST_CASE("as_completed yields in completion order and times out as Python's") {
    mpact::Value<int> gate{0};
    mpact::ProcessPoolExecutor ex{{.max_workers = 2}};
    auto slow = ex.submit(gated, gate, 1);
    auto fast = ex.submit(square, 5);
    std::vector<mpact::Future<int>> fs{slow, fast, fast};  // a repeat is yielded once
    {
        auto timed = mpact::as_completed(fs, 300ms);
        auto first = timed.next();
        REQUIRE(first.has_value());
        CHECK(first->core() == fast.core());
        CHECK_THROWS_AS(static_cast<void>(timed.next()), mpact::TimeoutError);
    }
    std::vector<int> order;
    for (auto& f : mpact::as_completed(fs, 20s)) {
        order.push_back(f.result());
        gate.store(1);  // the slow one may finish once the fast one was yielded
    }
    CHECK(order == std::vector<int>{25, 1});
}

TEST_CASE("wait: first_completed, first_exception, all_completed") {
    mpact::Value<int> gate{0};
    mpact::ProcessPoolExecutor ex{{.max_workers = 2}};
    auto slow = ex.submit(gated, gate, 1);
    auto fast = ex.submit(square, 2);
    auto first = mpact::wait(std::vector{slow, fast}, 20s, mpact::ReturnWhen::first_completed);
    REQUIRE(first.done.size() == 1);
    CHECK(first.done[0].core() == fast.core());
    REQUIRE(first.not_done.size() == 1);
    CHECK(first.not_done[0].core() == slow.core());

    auto bad = ex.submit(fails, 1);
    auto exc = mpact::wait(std::vector{slow, bad}, 20s, mpact::ReturnWhen::first_exception);
    REQUIRE(exc.done.size() == 1);
    CHECK(exc.done[0].core() == bad.core());

    auto timed = mpact::wait(std::vector{slow, fast}, 200ms);  // all_completed by default
    CHECK(timed.done.size() == 1);
    CHECK(timed.not_done.size() == 1);
    gate.store(1);
    auto all = mpact::wait(std::vector{slow, fast, bad});
    CHECK(all.done.size() == 3);
    CHECK(all.not_done.empty());
    // first_exception with none failing: as all_completed.
    auto ok = mpact::wait(std::vector{ex.submit(square, 1), ex.submit(square, 2)}, 20s,
                          mpact::ReturnWhen::first_exception);
    CHECK(ok.done.size() == 2);
}

TEST_CASE("map gives results in input order, lazily, and its timeout covers the iteration") {
    mpact::ProcessPoolExecutor ex{{.max_workers = 2}};
    std::vector<int> got;
    for (int v : ex.map(square, std::views::iota(0, 200), {.chunksize = 4, .buffersize = 16})) {
        got.push_back(v);
    }
    REQUIRE(got.size() == 200);
    for (int i = 0; i < 200; ++i) CHECK(got[static_cast<std::size_t>(i)] == i * i);

    auto it = ex.map(nap_ms, std::vector<int>{0, 3000}, {.timeout = 500ms});
    CHECK(it.next() == 0);
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(static_cast<void>(it.next()), mpact::TimeoutError);
    CHECK(std::chrono::steady_clock::now() - start < 2500ms);  // from the call, not per item
}

TEST_CASE("shutdown(wait=false, cancel_futures=true) cancels the pending, the running finish") {
    mpact::Value<int> gate{0};
    mpact::ProcessPoolExecutor ex{{.max_workers = 1}};
    auto running = ex.submit(gated, gate, 7);
    REQUIRE(becomes_running(running));
    std::vector<mpact::Future<int>> pending;
    for (int i = 0; i < 5; ++i) pending.push_back(ex.submit(square, i));
    ex.shutdown({.wait = false, .cancel_futures = true});
    for (auto& f : pending) {
        CHECK(f.cancelled());
        CHECK_THROWS_AS(f.result(5s), mpact::CancelledError);
    }
    CHECK_FALSE(running.cancelled());
    CHECK_THROWS_AS(static_cast<void>(ex.submit(square, 1)), mpact::ValueError);
    gate.store(1);
    CHECK(running.result(20s) == 7);
    ex.shutdown();  // waits; again is harmless
    ex.shutdown();
}

TEST_CASE("submit and map after shutdown throw ValueError") {
    mpact::ProcessPoolExecutor ex{{.max_workers = 1}};
    auto f = ex.submit(square, 6);
    ex.shutdown();
    CHECK(f.result(1s) == 36);  // shutdown(wait) let it finish
    CHECK_THROWS_AS(static_cast<void>(ex.submit(square, 1)), mpact::ValueError);
    CHECK_THROWS_AS(static_cast<void>(ex.map(square, std::vector<int>{1})), mpact::ValueError);
}

TEST_CASE("a worker SIGKILLed mid-task: the executor keeps serving, the task is retried") {
    mpact::Value<int> gate{0};
    mpact::ProcessPoolExecutor ex{{.max_workers = 1, .retries = 2}};
    auto victim = ex.submit(gated, gate, 9);
    REQUIRE(becomes_running(victim));
    std::vector<mpact::Future<int>> behind;
    for (int i = 0; i < 10; ++i) behind.push_back(ex.submit(square, i));
    const auto pids = ex.worker_pids();
    REQUIRE(pids.size() == 1);
    REQUIRE(::kill(pids[0], SIGKILL) == 0);
    REQUIRE(mpact::test::eventually(
        [&] {
            auto now = ex.worker_pids();
            return now.size() == 1 && now[0] != pids[0];
        },
        20s));
    gate.store(1);
    CHECK(victim.result(30s) == 9);  // Python: BrokenProcessPool, every future failed
    for (int i = 0; i < 10; ++i) CHECK(behind[static_cast<std::size_t>(i)].result(30s) == i * i);
    CHECK(ex.submit(square, 11).result(30s) == 121);  // Python: submit raises BrokenProcessPool
}
