// mpact::Pool's per-task timeout and cancel (issue #17 points 1, 2): a task past its timeout
// fails with TimeoutError, its worker is killed and replaced, no other task is disturbed, lost
// or run twice, it is not retried, and the kills never count toward the restart intensity;
// a cancelled task is dropped before it starts, or its worker killed while it runs.
#include <mpact/pool.hpp>
#include <mpact/sync.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using namespace std::chrono_literals;

namespace {

int nap_ms(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
}
MPACT_TASK(nap_ms);

// Counts its runs in `runs` (a Value in the test's process), then naps.
int counted_nap(mpact::Value<int> runs, int ms) {
    runs.fetch_add(1);
    return nap_ms(ms);
}
MPACT_TASK(counted_nap);

// First run: 900 ms, then its worker dies by SIGKILL; later runs: 100 ms. Returns its run.
int dies_once(mpact::Value<int> runs) {
    const int run = runs.fetch_add(1);
    std::this_thread::sleep_for(run == 0 ? 900ms : 100ms);
    if (run == 0) ::raise(SIGKILL);
    return run;
}
MPACT_TASK(dies_once);

int counted_square(mpact::Value<int> runs, int x) {
    runs.fetch_add(1);
    return x * x;
}
MPACT_TASK(counted_square);

// Waits (bounded) until the pool shows `n` workers none of which is in `old`.
bool replaced(const mpact::Pool& pool, const std::vector<pid_t>& old, std::size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
        auto pids = pool.worker_pids();
        bool fresh = pids.size() == n;
        for (auto p : pids) fresh = fresh && std::find(old.begin(), old.end(), p) == old.end();
        if (fresh) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

// True if `call` throws the TimeoutError of a task's timeout (not that of a wait).
template <class Call>
bool task_timed_out(Call call) {
    try {
        call();
    } catch (const mpact::TimeoutError& e) {
        return std::string(e.what()).find("ran past its timeout") != std::string::npos;
    }
    return false;
}

}  // namespace

TEST_CASE("a task past its timeout fails with TimeoutError, its worker replaced") {
    mpact::Pool pool{{.processes = 1}};
    const auto before = pool.worker_pids();
    const auto start = std::chrono::steady_clock::now();
    auto r = pool.apply_async(nap_ms, std::tuple{60'000}, {.timeout = 300ms});
    try {
        (void)r.get(30s);
        FAIL("a stuck task returned");
    } catch (const mpact::TimeoutError& e) {
        CHECK(std::string(e.what()).find("timeout of 300 ms") != std::string::npos);
    }
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 300ms);
    CHECK(took < 20s);
    CHECK(r.ready());
    CHECK_FALSE(r.successful());
    CHECK(replaced(pool, before, 1));
    CHECK(pool.apply(nap_ms, 1) == 1);  // the replacement serves
}

TEST_CASE("a stuck task times out while 100 others complete, each exactly once") {
    mpact::Value<int> runs{0};
    mpact::Pool pool{{.processes = 2}};
    auto stuck = pool.apply_async(counted_nap, std::tuple{runs, 60'000}, {.timeout = 500ms});
    std::vector<mpact::AsyncResult<int>> rs;
    for (int i = 0; i < 100; ++i) {
        rs.push_back(pool.apply_async(counted_square, std::tuple{runs, i}, {.timeout = 20s}));
    }
    for (int i = 0; i < 100; ++i) CHECK(rs[static_cast<std::size_t>(i)].get(60s) == i * i);
    CHECK(task_timed_out([&] { (void)stuck.get(30s); }));
    CHECK(runs.load() == 101);
    pool.close();
    CHECK(pool.join(30s));
    CHECK(runs.load() == 101);  // nothing ran again on the way out
}

TEST_CASE("a timed-out task is final, retries do not run it again") {
    mpact::Value<int> runs{0};
    mpact::Pool pool{{.processes = 1, .retries = 3}};
    auto r = pool.apply_async(counted_nap, std::tuple{runs, 60'000}, {.timeout = 200ms});
    CHECK(task_timed_out([&] { (void)r.get(30s); }));
    // A retry would run on the replacement worker, queued before this task.
    CHECK(pool.apply(counted_nap, runs, 1) == 1);
    pool.close();
    CHECK(pool.join(30s));
    CHECK(runs.load() == 2);
}

TEST_CASE("a task retried after its worker died gets a fresh timeout") {
    mpact::Value<int> runs{0};
    mpact::Pool pool{{.processes = 1, .retries = 1}};
    // 900 ms + the restart + 100 ms would pass a 1 s clock kept across the death.
    auto r = pool.apply_async(dies_once, std::tuple{runs}, {.timeout = 1s});
    CHECK(r.get(30s) == 1);
    CHECK(runs.load() == 2);
}

TEST_CASE("timeout kills never count toward the restart intensity") {
    mpact::Pool pool{{.processes = 1, .restart_intensity = 1, .restart_period = 60s}};
    for (int i = 0; i < 3; ++i) {
        auto r = pool.apply_async(nap_ms, std::tuple{60'000}, {.timeout = 150ms});
        CHECK(task_timed_out([&] { (void)r.get(30s); }));
    }
    CHECK(pool.apply(nap_ms, 2) == 2);  // three kills, intensity 1: still serving
}

TEST_CASE("map and imap take a per-task timeout") {
    mpact::Pool pool{{.processes = 2}};
    const std::vector<int> naps{5, 60'000, 5, 5};
    auto it = pool.imap(nap_ms, naps, {.timeout = 400ms});
    CHECK(it.next(30s) == 5);
    CHECK(task_timed_out([&] { (void)it.next(30s); }));
    CHECK(it.next(30s) == 5);
    CHECK(it.next(30s) == 5);
    CHECK(
        task_timed_out([&] { (void)pool.map(nap_ms, naps, {.chunksize = 1, .timeout = 400ms}); }));
    // A chunk of several tasks: the stuck one fails alone, the rest of its chunk runs.
    auto rest = pool.imap(nap_ms, naps, {.chunksize = 4, .timeout = 400ms});
    CHECK(rest.next(30s) == 5);
    CHECK(task_timed_out([&] { (void)rest.next(30s); }));
    CHECK(rest.next(30s) == 5);
    CHECK(rest.next(30s) == 5);
    CHECK_THROWS_AS((void)pool.apply_async(nap_ms, std::tuple{1}, {.timeout = 0ms}),
                    mpact::ValueError);
}

TEST_CASE("cancel drops a queued task and kills the worker of a running one") {
    mpact::Value<int> runs{0};
    mpact::Pool pool{{.processes = 1, .restart_intensity = 1, .restart_period = 60s}};
    const auto before = pool.worker_pids();
    auto blocker = pool.apply_async(counted_nap, runs, 60'000);
    auto queued = pool.apply_async(counted_nap, runs, 1);
    // The blocker is in the worker's hands once it has counted its run.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (runs.load() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
    }
    REQUIRE(runs.load() == 1);
    CHECK(queued.cancel());
    CHECK_THROWS_AS((void)queued.get(10s), mpact::CancelledError);
    CHECK(blocker.cancel());
    CHECK_THROWS_AS((void)blocker.get(10s), mpact::CancelledError);
    CHECK_FALSE(blocker.cancel());  // already completed (cancelled)
    CHECK(replaced(pool, before, 1));
    CHECK(pool.apply(counted_nap, runs, 1) == 1);
    CHECK(runs.load() == 2);  // the queued task never ran
    auto done = pool.apply_async(nap_ms, 1);
    CHECK(done.get(30s) == 1);
    CHECK_FALSE(done.cancel());
    CHECK(done.get(1s) == 1);
}

TEST_CASE("cancelling a map_async part way cancels its unfinished tasks") {
    mpact::Value<int> runs{0};
    mpact::Pool pool{{.processes = 2}};
    std::vector<std::tuple<mpact::Value<int>, int>> naps(10, {runs, 100});
    auto m = pool.starmap_async(counted_nap, naps, 1);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (runs.load() < 3 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(2ms);
    }
    REQUIRE(runs.load() >= 3);
    CHECK(m.cancel());
    CHECK_THROWS_AS((void)m.get(10s), mpact::CancelledError);
    CHECK(pool.map(nap_ms, std::vector<int>{1, 2, 3}) == std::vector<int>{1, 2, 3});
    pool.close();
    CHECK(pool.join(30s));
    CHECK(runs.load() < 10);  // the tasks not yet handed out never ran
}
