// Lock leases (lock.hpp, "Leases"): a lock nobody else wants costs no message; a waiter from
// another process gets it after a bounded burst; tries, foreign releases and a holder's end
// keep Python's semantics; under 4 contending processes no acquire is lost and no two
// processes are ever inside at once (checked in memory the processes share, outside mpact).
#include <mpact/node.hpp>
#include <mpact/process.hpp>
#include <mpact/queue.hpp>
#include <mpact/sync.hpp>
#include <mpact/task.hpp>

#include "lease.hpp"
#include "protocol.hpp"
#include "support/support.hpp"
#include "sync_support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using namespace sync_test;

namespace {

// Memory the test's processes share by a file name (any start method), to check the lock
// from outside it.
struct Shared {
    std::atomic<int> inside{0};
    std::atomic<int> violations{0};
    std::atomic<int> stop{0};
    std::atomic<long> loops{0};
    long count = 0;  // plain on purpose: two processes inside at once would lose updates
};
Shared* map_shared(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0600);
    if (fd < 0 || ::ftruncate(fd, sizeof(Shared)) != 0) throw std::runtime_error("shared file");
    void* p = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) throw std::runtime_error("mmap");
    return static_cast<Shared*>(p);
}
std::string shared_path(const char* what) {
    return "/dev/shm/mpact-lease-test-" + std::string(what) + '-' + std::to_string(::getpid());
}

void contend(mpact::Lock lock, std::string path, int rounds) {
    auto* sh = map_shared(path);
    for (int i = 0; i < rounds; ++i) {
        std::scoped_lock g(lock);
        if (sh->inside.fetch_add(1) != 0) sh->violations.fetch_add(1);
        sh->count = sh->count + 1;
        sh->inside.fetch_sub(1);
    }
}
MPACT_TASK(contend);

// Loops acquire/release (holding the lease) until told to stop, then reports what its
// leases did: revokes received, the longest burst after one, and how many loops it made.
void loop_holding(mpact::Lock lock, std::string path, mpact::Queue<std::uint64_t> out) {
    auto* sh = map_shared(path);
    std::uint64_t loops = 0;
    const auto until = std::chrono::steady_clock::now() + 60s;
    lock.lock();
    lock.unlock();
    out.put(0);  // it holds the lease
    while (sh->stop.load() == 0 && std::chrono::steady_clock::now() < until) {
        std::scoped_lock g(lock);
        sh->loops.store(static_cast<long>(++loops));
    }
    const auto stats = mpact::detail::lease_stats();
    out.put(stats.revokes);
    out.put(stats.max_burst);
    out.put(loops);
}
MPACT_TASK(loop_holding);

// Takes its turn at `seq` under the lock (a request: done before the release), then reports
// turn * 10 + i. A put made under the lock alone could reach the queue after the next
// holder's: two processes' messages to one actor have no order between them.
void take_in_turn(mpact::Lock lock, int i, mpact::Value<int> seq, mpact::Queue<int> order) {
    if (!lock.acquire(60s)) return;
    const int turn = seq.fetch_add(1);
    lock.release();
    order.put(turn * 10 + i);
}
MPACT_TASK(take_in_turn);

// Takes and releases the lock (its lease now idle here), says so, then on `hold` takes it and
// keeps it until `done`.
void idle_then_hold(mpact::Lock lock, mpact::Event hold, mpact::Event done, mpact::Queue<int> out) {
    lock.lock();
    lock.unlock();
    out.put(1);
    if (!hold.wait(60s)) return;
    lock.lock();
    out.put(2);
    static_cast<void>(done.wait(60s));
    lock.unlock();
}
MPACT_TASK(idle_then_hold);

void take_release_wait(mpact::Lock lock, mpact::Event end, mpact::Queue<int> out) {
    lock.lock();
    lock.unlock();
    out.put(1);
    static_cast<void>(end.wait(60s));
}
MPACT_TASK(take_release_wait);

// Under v's lock: stores `n`, says so, then waits for `end` (holding the lock when `hold`).
void store_under_lock(mpact::Value<int> v, int n, bool hold, mpact::Event end,
                      mpact::Queue<int> out) {
    {
        std::unique_lock g(v.get_lock());
        v.store(n);
        if (hold) {
            out.put(1);
            static_cast<void>(end.wait(60s));
            return;
        }
    }
    out.put(1);
    static_cast<void>(end.wait(60s));
}
MPACT_TASK(store_under_lock);

std::uint64_t frames_sent() {
    const auto s = mpact::node_stats();
    return s.lane_sent + s.zmq_sent;
}

}  // namespace

TEST_CASE("after its first acquire, a lock nobody else wants costs no message" *
          doctest::timeout(60)) {
    mpact::Lock lock;
    mpact::RLock rlock;
    lock.lock();
    lock.unlock();
    rlock.lock();
    rlock.unlock();
    const auto before = frames_sent();
    for (int i = 0; i < 10000; ++i) {
        lock.lock();
        lock.unlock();
        std::scoped_lock g(rlock);
        std::scoped_lock again(rlock);
    }
    CHECK(frames_sent() == before);
    // The same from a child process that was handed the lock.
    mpact::Queue<int> out;
    mpact::Event end;
    mpact::Process p({.start_method = mpact::StartMethod::spawn}, take_release_wait, lock, end,
                     out);
    p.start();
    mpact::test::ChildGuard guard(*p.pid());
    CHECK(out.get(60s) == 1);
    end.set();
    REQUIRE(p.join(60s));
    // The child handed its lease back as it ended: the parent takes it, with no owner_died().
    REQUIRE(lock.acquire(10s));
    CHECK_FALSE(lock.owner_died());
    lock.release();
}

TEST_CASE("waiting processes are served in arrival order" * doctest::timeout(120)) {
    mpact::Lock lock;
    const auto& actor = lock.core().handle().actor();
    auto waiting = [&] {
        return actor
            .request<mpact::sync_protocol::LockState>(mpact::sync_protocol::LockQuery{}, 10s)
            .waiters;
    };
    REQUIRE(lock.acquire());
    mpact::Queue<int> order;
    mpact::Value<int> seq{0, {.lock = false}};
    std::vector<mpact::Process> ps;
    mpact::test::ChildGuard guard;
    for (int i = 0; i < 4; ++i) {
        ps.emplace_back(mpact::ProcessOptions{.start_method = mpact::StartMethod::fork},
                        take_in_turn, lock, i, seq, order);
        ps.back().start();
        guard.add(*ps.back().pid());
        REQUIRE(mpact::test::eventually([&] { return waiting() == static_cast<unsigned>(i + 1); },
                                        30s));
    }
    lock.release();
    std::vector<int> got(4, -1);  // got[turn] = the child that had it
    for (int i = 0; i < 4; ++i) {
        const int x = order.get(60s);
        REQUIRE(x / 10 < 4);
        got[static_cast<std::size_t>(x / 10)] = x % 10;
    }
    CHECK(got == std::vector<int>{0, 1, 2, 3});
    for (auto& p : ps) REQUIRE(p.join(60s));
}

TEST_CASE(
    "a waiter from another process gets the lock from a looping holder after a bounded "
    "burst" *
    doctest::timeout(120)) {
    const auto path = shared_path("burst");
    auto* sh = map_shared(path);
    mpact::Lock lock;
    mpact::Queue<std::uint64_t> out;
    mpact::Process holder({.start_method = mpact::StartMethod::spawn}, loop_holding, lock, path,
                          out);
    holder.start();
    mpact::test::ChildGuard guard(*holder.pid());
    CHECK(out.get(60s) == 0);
    constexpr int kTakes = 20;
    int taken = 0;
    for (int i = 0; i < kTakes; ++i) {
        // Each take revokes the lease from the holder's loop; then let it take the lock back.
        const long seen = sh->loops.load();
        if (lock.acquire(30s)) ++taken;
        lock.release();
        REQUIRE(mpact::test::eventually([&] { return sh->loops.load() > seen + 1; }, 30s));
    }
    sh->stop.store(1);
    const auto revokes = out.get(60s);
    const auto max_burst = out.get(60s);
    const auto loops = out.get(60s);
    REQUIRE(holder.join(60s));
    ::unlink(path.c_str());
    CHECK(taken == kTakes);
    CHECK(revokes >= kTakes / 2);  // some takes may find it between two loops
    CHECK(max_burst <= static_cast<std::uint64_t>(mpact::detail::kLeaseBurstAcquires));
    CHECK(loops > 0);
    MESSAGE("holder: " << loops << " loops, " << revokes << " revokes, longest burst "
                       << max_burst);
}

TEST_CASE("a try from another process takes an idle lease and fails on a held one" *
          doctest::timeout(120)) {
    mpact::Lock lock;
    mpact::Event hold, done;
    mpact::Queue<int> out;
    mpact::Process p({.start_method = mpact::StartMethod::fork}, idle_then_hold, lock, hold, done,
                     out);
    p.start();
    mpact::test::ChildGuard guard(*p.pid());
    REQUIRE(out.get(60s) == 1);  // the child holds an idle lease
    CHECK(lock.try_lock());      // free, so a try succeeds (Python's acquire(False))
    lock.unlock();
    hold.set();
    REQUIRE(out.get(60s) == 2);  // the child holds the lock
    CHECK_FALSE(lock.try_lock());
    CHECK_FALSE(lock.acquire(50ms));
    done.set();
    CHECK(lock.acquire(30s));
    CHECK_FALSE(lock.owner_died());
    lock.release();
    REQUIRE(p.join(60s));
}

TEST_CASE("a process that held an idle lease is SIGKILLed: the lock comes back, owner_died()" *
          doctest::timeout(120)) {
    mpact::Lock lock;
    mpact::Event end;
    mpact::Queue<int> out;
    mpact::Process p({.start_method = mpact::StartMethod::fork}, take_release_wait, lock, end, out);
    p.start();
    mpact::test::ChildGuard guard(*p.pid());
    REQUIRE(out.get(60s) == 1);
    p.kill();
    REQUIRE(p.join(30s));
    // mpact cannot tell an idle lease from a held lock in a dead process: it says so.
    REQUIRE(lock.acquire(10s));
    CHECK(lock.owner_died());
    lock.release();
}

TEST_CASE("4 processes contend under leases: no acquire lost, never two inside at once" *
          doctest::timeout(300)) {
    constexpr int kRounds = 20000 / mpact::test::kVolumeScale;
    const auto path = shared_path("contend");
    auto* sh = map_shared(path);
    mpact::Lock lock;
    std::vector<mpact::Process> ps;
    mpact::test::ChildGuard guard;
    for (int i = 0; i < 4; ++i) {
        ps.emplace_back(mpact::ProcessOptions{.start_method = kManyChildren}, contend, lock, path,
                        kRounds);
    }
    for (auto& p : ps) {
        p.start();
        guard.add(*p.pid());
    }
    for (auto& p : ps) {
        REQUIRE(p.join(240s));
        CHECK(p.exitcode().value_or(-1) == 0);
    }
    ::unlink(path.c_str());
    CHECK(sh->count == 4L * kRounds);
    CHECK(sh->violations.load() == 0);
}

TEST_CASE(
    "a Value under its leased lock: no message per load/store, and the next holder "
    "reads what was stored" *
    doctest::timeout(120)) {
    mpact::Value<int> v{0};
    {
        std::scoped_lock g(v.get_lock());
        v.store(v.load() + 1);
    }
    const auto before = frames_sent();
    for (int i = 0; i < 1000; ++i) {
        std::scoped_lock g(v.get_lock());
        v.store(v.load() + 1);
        static_cast<void>(v.fetch_add(1));
    }
    CHECK(frames_sent() == before);
    CHECK(v.load() == 2001);
    // A child takes the lock (the lease and the value come to it), stores, and hands it back
    // when the parent asks; the parent then reads the child's store.
    mpact::Event end;
    mpact::Queue<int> out;
    mpact::Process p({.start_method = mpact::StartMethod::spawn}, store_under_lock, v, 42, false,
                     end, out);
    p.start();
    mpact::test::ChildGuard guard(*p.pid());
    REQUIRE(out.get(60s) == 1);
    {
        std::scoped_lock g(v.get_lock());
        CHECK(v.load() == 42);
        CHECK_FALSE(v.get_lock().owner_died());
    }
    end.set();
    REQUIRE(p.join(60s));
}

TEST_CASE(
    "a holder SIGKILLed after storing under the lock: the store is lost, owner_died() says "
    "so" *
    doctest::timeout(120)) {
    mpact::Value<int> v{7};
    mpact::Event end;
    mpact::Queue<int> out;
    mpact::Process p({.start_method = mpact::StartMethod::fork}, store_under_lock, v, 99, true, end,
                     out);
    p.start();
    mpact::test::ChildGuard guard(*p.pid());
    REQUIRE(out.get(60s) == 1);  // it holds the lock and has stored 99 in its copy
    p.kill();
    REQUIRE(p.join(30s));
    std::scoped_lock g(v.get_lock());
    CHECK(v.get_lock().owner_died());
    CHECK(v.load() == 7);  // the robust-mutex contract: what the dead holder wrote is gone
}
