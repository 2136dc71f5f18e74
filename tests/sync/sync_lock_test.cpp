// Lock, RLock, Semaphore and BoundedSemaphore in one process, from threads: CPython's _TestLock
// and _TestSemaphore scenarios (reference §3.5), the standard lock concepts, FIFO hand-off,
// handles as msgpack, and refused input (a forged release, a message that does not decode).
#include <mpact/codec.hpp>
#include <mpact/node.hpp>
#include <mpact/sync.hpp>
#include <mpact/task.hpp>

#include "protocol.hpp"
#include "support/support.hpp"
#include "sync_support.hpp"

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
using namespace sync_test;

namespace {

template <class L>
concept BasicLockable = requires(L& l) {
    l.lock();
    l.unlock();
};
template <class L>
concept Lockable = BasicLockable<L> && requires(L& l) {
    { l.try_lock() } -> std::same_as<bool>;
};
template <class L>
concept TimedLockable = Lockable<L> && requires(L& l) {
    { l.try_lock_for(1ms) } -> std::same_as<bool>;
    { l.try_lock_until(std::chrono::steady_clock::now()) } -> std::same_as<bool>;
    { l.try_lock_until(std::chrono::system_clock::now()) } -> std::same_as<bool>;
};
static_assert(TimedLockable<mpact::Lock>);
static_assert(TimedLockable<mpact::RLock>);
static_assert(TimedLockable<mpact::Semaphore>);
static_assert(TimedLockable<mpact::BoundedSemaphore>);
static_assert(Lockable<mpact::Condition>);
static_assert(std::is_nothrow_move_constructible_v<mpact::Lock>);
static_assert(std::is_copy_constructible_v<mpact::Lock> && std::is_copy_assignable_v<mpact::Lock>);
static_assert(std::is_copy_constructible_v<mpact::Condition>);
static_assert(std::is_copy_constructible_v<mpact::Barrier>);

// Runs `body` on a thread; the future ends when it returns.
std::future<void> on_thread(std::function<void()> body) {
    return std::async(std::launch::async, std::move(body));
}

}  // namespace

TEST_CASE("Lock: acquire, a non-blocking acquire fails while held, release twice raises" *
          doctest::timeout(30)) {
    mpact::Lock lock;  // S-1
    CHECK(lock.acquire());
    CHECK_FALSE(lock.acquire(0s));
    lock.release();
    CHECK_THROWS_AS(lock.release(), mpact::ValueError);
    {
        std::scoped_lock guard(lock);
        CHECK_FALSE(on_thread([&] { CHECK_FALSE(lock.try_lock()); }).wait_for(10s) ==
                    std::future_status::timeout);
    }
    CHECK(lock.try_lock());
    lock.unlock();
}

TEST_CASE("Lock: another thread may release it, and a waiter then takes it" *
          doctest::timeout(30)) {
    mpact::Lock lock;
    CHECK(lock.acquire());
    auto waiter = std::async(std::launch::async, [&] { return lock.acquire(20s); });
    CHECK(waiter.wait_for(100ms) == std::future_status::timeout);
    on_thread([&] { lock.release(); }).get();  // not the holder: Python allows it
    CHECK(waiter.get());
}

TEST_CASE(
    "Lock: 4 threads x N increments of a plain counter under it are exact, one inside "
    "at a time" *
    doctest::timeout(120)) {
    // The hand-offs travel through sockets, which order memory as any syscall pair does, but
    // which TSan does not see: there the counter is an atomic read and a separate write,
    // which loses updates as a plain one would without the lock and is never reported.
    constexpr int kThreads = 4, kRounds = 2000 / mpact::test::kVolumeScale;
#if defined(__SANITIZE_THREAD__)
    std::atomic<long> counter{0};
    auto bump = [&] {
        counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    };
    auto total = [&] { return counter.load(); };
#else
    long counter = 0;
    auto bump = [&] {
        const long seen = counter;
        std::this_thread::yield();  // widens the window a missing exclusion would show in
        counter = seen + 1;
    };
    auto total = [&] { return counter; };
#endif
    std::atomic<int> inside{0}, overlaps{0};
    mpact::Lock lock;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kRounds; ++i) {
                std::scoped_lock g(lock);
                if (inside.fetch_add(1) != 0) overlaps.fetch_add(1);
                bump();
                inside.fetch_sub(1);
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(overlaps.load() == 0);
    CHECK(total() == long{kThreads} * kRounds);
}

TEST_CASE("Lock: a timed acquire gives up after its timeout" * doctest::timeout(30)) {
    mpact::Lock lock;
    std::scoped_lock guard(lock);
    auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(on_thread([&] { CHECK_FALSE(lock.acquire(100ms)); }).wait_for(10s) ==
                std::future_status::timeout);
    CHECK(std::chrono::steady_clock::now() - t0 >= 90ms);
    CHECK_FALSE(lock.try_lock_for(50ms));  // a Lock is not recursive: its holder waits too
}

TEST_CASE("RLock: acquire x3, release x3, an extra release raises, others must wait" *
          doctest::timeout(30)) {
    mpact::RLock lock;  // S-2
    CHECK(lock.acquire());
    CHECK(lock.acquire());
    CHECK(lock.acquire(0s));
    on_thread([&] {
        CHECK_FALSE(lock.acquire(0s));
        CHECK_THROWS_AS(lock.release(), mpact::ValueError);  // not the owner
    }).get();
    lock.release();
    lock.release();
    lock.release();
    CHECK_THROWS_AS(lock.release(), mpact::ValueError);
    on_thread([&] {
        CHECK(lock.acquire(0s));
        lock.release();
    }).get();
}

TEST_CASE("std::lock and std::scoped_lock take two mpact locks" * doctest::timeout(30)) {
    mpact::Lock a;
    mpact::RLock b;
    std::lock(a, b);
    CHECK_FALSE(on_thread([&] { CHECK_FALSE(a.try_lock()); }).wait_for(10s) ==
                std::future_status::timeout);
    a.unlock();
    b.unlock();
    {
        std::scoped_lock both(a, b);
        std::unique_lock<mpact::RLock> again(b);  // recursive
        CHECK(again.owns_lock());
    }
    CHECK(a.try_lock());
    a.unlock();
}

TEST_CASE("Semaphore: values 2, 1, 0, then released above its start value" * doctest::timeout(30)) {
    mpact::Semaphore sem{2};  // S-3
    CHECK(sem.get_value() == 2);
    CHECK(sem.acquire());
    CHECK(sem.get_value() == 1);
    CHECK(sem.acquire());
    CHECK(sem.get_value() == 0);
    CHECK_FALSE(sem.acquire(0s));
    for (int v = 1; v <= 4; ++v) {
        sem.release();
        CHECK(sem.get_value() == v);
    }
    CHECK_THROWS_AS(mpact::Semaphore{-1}, mpact::ValueError);
}

TEST_CASE("BoundedSemaphore: a release above its value raises" * doctest::timeout(30)) {
    mpact::BoundedSemaphore sem{2};
    CHECK(sem.acquire());
    CHECK(sem.acquire());
    CHECK_FALSE(sem.acquire(0s));
    sem.release();
    sem.release();
    CHECK(sem.get_value() == 2);
    CHECK_THROWS_AS(sem.release(), mpact::ValueError);
    CHECK(sem.get_value() == 2);
}

TEST_CASE("Semaphore(0): non-blocking and timed acquires fail, the timed one after its timeout" *
          doctest::timeout(30)) {
    mpact::Semaphore sem{0};  // S-4
    auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(sem.acquire(0s));
    CHECK_FALSE(sem.acquire(100ms));
    CHECK(std::chrono::steady_clock::now() - t0 >= 90ms);
}

TEST_CASE("handles travel by msgpack and reach the same primitive" * doctest::timeout(30)) {
    mpact::Lock lock;
    auto copy = round_trip(lock);
    CHECK(copy.acquire(0s));
    CHECK_FALSE(lock.acquire(0s));
    lock.release();
    mpact::Event event;
    round_trip(event).set();
    CHECK(event.is_set());
    mpact::BoundedSemaphore sem{1};
    CHECK(round_trip(sem).acquire(0s));
    CHECK(sem.get_value() == 0);
    mpact::Condition cond;
    auto cond2 = round_trip(cond);
    CHECK(cond2.acquire(0s));
    CHECK(cond2.wait(0s) == false);
    cond2.release();
    mpact::Barrier barrier{1, nullptr, 5s};
    CHECK(round_trip(barrier).parties() == 1);
    CHECK(round_trip(barrier).wait() == 0);
}

TEST_CASE("a forged release naming the holder without its grant is refused and counted" *
          doctest::timeout(30)) {
    using namespace mpact::sync_protocol;
    mpact::RLock lock;
    REQUIRE(lock.acquire());
    const auto holder = mpact::detail::this_owner();
    const auto& actor = lock.core().handle().actor();
    auto before = mpact::node_stats().refused;
    on_thread([&] {
        // The holder's name with a guessed ticket: refused, the lock stays held.
        CHECK_THROWS_AS(actor.request(LockRelease{holder, 12345}, 10s), mpact::ProtocolError);
        CHECK_FALSE(lock.acquire(0s));
        // This thread's own name and no ticket: an RLock release by a non-owner.
        CHECK_THROWS_AS(actor.request(LockRelease{mpact::detail::this_owner(), 0}, 10s),
                        mpact::ValueError);
        CHECK_FALSE(lock.acquire(0s));
    }).get();
    CHECK(mpact::node_stats().refused == before + 1);
    lock.release();
}

namespace {
// A message with a sync wire name and the wrong shape.
struct BadRelease {
    static constexpr std::string_view mpact_name = "sync.LockRelease";
    std::string junk;
    MSGPACK_DEFINE(junk)
};
}  // namespace

TEST_CASE("a sync message that does not decode is refused and counted, the lock unchanged" *
          doctest::timeout(30)) {
    mpact::Lock lock;
    REQUIRE(lock.acquire());
    auto before = mpact::node_stats().refused;
    on_thread([&] {
        CHECK_THROWS_AS(lock.core().handle().actor().request(BadRelease{"x"}, 10s),
                        mpact::ProtocolError);
        CHECK_THROWS_AS(lock.core().handle().actor().request(
                            mpact::sync_protocol::LockAcquire{{-1, 0}, 7, 0}, 10s),
                        mpact::ProtocolError);
        CHECK_FALSE(lock.acquire(0s));
    }).get();
    CHECK(mpact::node_stats().refused == before + 2);
    lock.release();
    CHECK(lock.acquire(0s));
    lock.release();
}
