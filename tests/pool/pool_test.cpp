// mpact::Pool: every API point across real worker processes, errors, timeouts and supervision.
#include <mpact/pool.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

using namespace std::chrono_literals;

namespace {

int square(int x) {
    return x * x;
}
MPACT_TASK(square);
int add(int a, int b) {
    return a + b;
}
MPACT_TASK(add);
int my_pid(int) {
    return static_cast<int>(::getpid());
}
MPACT_TASK(my_pid);
int slow_square(int x) {
    std::this_thread::sleep_for(std::chrono::milliseconds(x));
    return x * x;
}
MPACT_TASK(slow_square);
int sleep_ms(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
}
MPACT_TASK(sleep_ms);
void nothing() {}
MPACT_TASK(nothing);
int fail_with(std::string what) {
    throw std::invalid_argument(what);
}
MPACT_TASK(fail_with);
int throw_int(int x) {
    throw x;
}
MPACT_TASK(throw_int);
int die(int) {
    std::_Exit(3);
}
MPACT_TASK(die);
int kill_self(int) {
    ::kill(::getpid(), SIGKILL);
    return 0;
}
MPACT_TASK(kill_self);
int not_registered(int x) {
    return x;
}

int init_value = 0;
void set_init(int v) {
    init_value = v;
}
MPACT_TASK(set_init);
int read_init(int) {
    return init_value;
}
MPACT_TASK(read_init);
void note(int) {}
MPACT_TASK(note);
void note2(int, int) {}
MPACT_TASK(note2);
int print_unflushed(int x) {
    std::printf("unflushed-%d", x);  // no newline, no flush: stdout is a file here
    return x;
}
MPACT_TASK(print_unflushed);
// Kills its worker the first time it runs for x in {10, 30, 50} (a file marks the first run).
int die_once(std::string dir, int x) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (x == 10 || x == 30 || x == 50) {
        auto marker = dir + "/" + std::to_string(x);
        int fd = ::open(marker.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
        if (fd >= 0) {
            ::close(fd);
            ::kill(::getpid(), SIGKILL);
        }
    }
    return x * x;
}
MPACT_TASK(die_once);
void bad_init() {
    throw std::runtime_error("no database");
}
MPACT_TASK(bad_init);

}  // namespace

TEST_CASE("apply runs the function in a worker process and returns its result" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    CHECK(pool.apply(square, 7) == 49);
    CHECK(pool.apply(add, 2, 3) == 5);
    CHECK(pool.apply(my_pid, 0) != static_cast<int>(::getpid()));
    pool.apply(nothing);
}

TEST_CASE("map returns every result in order for any chunksize" * doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    std::vector<int> xs;
    for (int i = 0; i < 1000; ++i) xs.push_back(i);
    for (std::size_t chunk : {0, 1, 7, 1000}) {
        auto ys = pool.map(square, xs, chunk);
        REQUIRE(ys.size() == xs.size());
        for (int i = 0; i < 1000; ++i) CHECK(ys[i] == i * i);
    }
    CHECK(pool.map(square, std::vector<int>{}).empty());
}

TEST_CASE("starmap unpacks each tuple into the arguments" * doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    std::vector<std::tuple<int, int>> pairs{{1, 2}, {3, 4}, {5, 6}};
    CHECK(pool.starmap(add, pairs) == std::vector<int>{3, 7, 11});
    CHECK(pool.starmap_async(add, pairs).get(10s) == std::vector<int>{3, 7, 11});
}

TEST_CASE("map_async and apply_async results wait, report ready and successful" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    auto r = pool.apply_async(sleep_ms, 300);
    CHECK_THROWS_AS(static_cast<void>(r.successful()), mpact::ValueError);
    CHECK_FALSE(r.ready());
    CHECK_THROWS_AS(r.get(10ms), mpact::TimeoutError);
    CHECK(r.wait(10s));
    CHECK(r.ready());
    CHECK(r.successful());
    CHECK(r.get() == 300);
    auto m = pool.map_async(square, std::vector<int>{1, 2, 3});
    CHECK(m.get(10s) == std::vector<int>{1, 4, 9});
}

TEST_CASE("imap yields results in order and next(timeout) raises TimeoutError" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    auto it = pool.imap(slow_square, std::vector<int>{200, 1, 2, 3});
    CHECK_THROWS_AS(static_cast<void>(it.next(1ms)), mpact::TimeoutError);
    std::vector<int> got;
    while (auto v = it.next(10s)) got.push_back(*v);
    CHECK(got == std::vector<int>{40000, 1, 4, 9});
}

TEST_CASE("imap results can be read with a range-for" * doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    std::vector<int> got;
    for (int v : pool.imap(square, std::vector<int>{1, 2, 3, 4}, 2)) got.push_back(v);
    CHECK(got == std::vector<int>{1, 4, 9, 16});
}

TEST_CASE("imap_unordered yields every result once, fastest first" * doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    auto it = pool.imap_unordered(slow_square, std::vector<int>{500, 1, 2, 3});
    std::vector<int> got;
    while (auto v = it.next(10s)) got.push_back(*v);
    REQUIRE(got.size() == 4);
    CHECK(got.back() == 250000);
    CHECK(std::multiset<int>(got.begin(), got.end()) == std::multiset<int>{1, 4, 9, 250000});
}

TEST_CASE("a worker's exception reaches get as RemoteError with type, message and stack" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 1}};
    auto r = pool.apply_async(fail_with, std::string("bad input"));
    try {
        r.get(10s);
        FAIL("no exception");
    } catch (const mpact::RemoteError& e) {
        CHECK(e.remote_type() == "std::invalid_argument");
        CHECK(e.remote_message() == "bad input");
        CHECK(e.remote_stack().find("fail_with") != std::string::npos);
    }
    CHECK_FALSE(r.successful());
    CHECK_THROWS_AS(pool.map(fail_with, std::vector<std::string>{"a", "b"}), mpact::RemoteError);
    auto it = pool.imap(fail_with, std::vector<std::string>{"x"});
    CHECK_THROWS_AS(static_cast<void>(it.next(10s)), mpact::RemoteError);
    CHECK(pool.apply(square, 3) == 9);  // the worker goes on
}

// Argument types are checked at compile time, as Process checks them (the static_asserts in
// pool.hpp use these traits; tests/pool/compile_fail/ shows one firing).
static_assert(mpact::detail::task_accepts_v<int (*)(int), int>);
static_assert(mpact::detail::task_accepts_v<int (*)(int), long long>);  // converts, as a call
static_assert(!mpact::detail::task_accepts_v<int (*)(int), std::string>);
static_assert(!mpact::detail::task_accepts_v<int (*)(int), int, int>);
static_assert(!mpact::detail::task_accepts_v<int (*)(int), std::tuple<int>>);  // not unpacked
static_assert(mpact::detail::task_accepts_tuple_v<int (*)(int, int), std::tuple<int, int>>);
static_assert(!mpact::detail::task_accepts_tuple_v<int (*)(int, int), std::tuple<int>>);
static_assert(!mpact::detail::task_accepts_tuple_v<int (*)(int, int), int>);

TEST_CASE("bad input gives typed errors: unregistered function, non-std exception" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 1}};
    CHECK_THROWS_AS(static_cast<void>(pool.apply_async(not_registered, 1)), mpact::ValueError);
    CHECK(pool.apply(square, 3LL) == 9);  // converted to the parameter's type, as in a call
    try {
        pool.apply(throw_int, 1);
        FAIL("no exception");
    } catch (const mpact::RemoteError& e) {
        CHECK(e.remote_type() == "unknown");
    }
}

TEST_CASE("callbacks run in the submitting process on one thread in completion order" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    std::mutex m;
    std::condition_variable cv;
    std::vector<int> values;
    std::vector<std::string> errors;
    std::set<std::thread::id> threads;
    auto remember = [&](auto fn) {
        std::lock_guard lock(m);
        threads.insert(std::this_thread::get_id());
        fn();
        cv.notify_all();
    };
    pool.apply_async(sleep_ms, std::make_tuple(300),
                     {.callback = [&](const int& v) { remember([&] { values.push_back(v); }); }});
    pool.apply_async(sleep_ms, std::make_tuple(1),
                     {.callback = [&](const int& v) { remember([&] { values.push_back(v); }); }});
    pool.apply_async(fail_with, std::make_tuple(std::string("oops")),
                     {.error_callback = [&](const mpact::Error& e) {
                         remember([&] { errors.emplace_back(e.what()); });
                     }});
    pool.map_async(square, std::vector<int>{2, 3}, 0, {.callback = [&](const std::vector<int>& v) {
                       remember([&] { values.push_back(v[0] + v[1]); });
                   }});
    std::unique_lock lock(m);
    REQUIRE(cv.wait_for(lock, 20s, [&] { return values.size() == 3 && errors.size() == 1; }));
    CHECK(values.back() == 300);  // the slow one completes last
    CHECK(errors[0].find("oops") != std::string::npos);
    CHECK(threads.size() == 1);
    CHECK(threads.count(std::this_thread::get_id()) == 0);
}

TEST_CASE("submitting after close raises ValueError and join waits for the work" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    CHECK_THROWS_AS(pool.join(), mpact::ValueError);
    auto r = pool.map_async(slow_square, std::vector<int>{100, 100, 100});
    pool.close();
    CHECK_THROWS_AS(static_cast<void>(pool.apply_async(square, 1)), mpact::ValueError);
    pool.join();
    CHECK(r.ready());
    CHECK(r.get() == std::vector<int>{10000, 10000, 10000});
    for (pid_t pid : pool.worker_pids()) CHECK_FALSE(mpact::test::process_exists(pid));
}

TEST_CASE("terminate stops every worker within a second even mid-task and fails pending results" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    auto pids = pool.worker_pids();
    REQUIRE(pids.size() == 2);
    auto r = pool.apply_async(sleep_ms, 20000);
    auto m = pool.map_async(sleep_ms, std::vector<int>{20000, 20000, 20000});
    REQUIRE(mpact::test::eventually([&] { return !r.ready(); }, 100ms));
    auto t0 = std::chrono::steady_clock::now();
    pool.terminate();
    CHECK(std::chrono::steady_clock::now() - t0 < 1s);
    for (pid_t pid : pids) CHECK_FALSE(mpact::test::process_exists(pid));
    CHECK_THROWS_AS(r.get(1s), mpact::WorkerLostError);
    CHECK_THROWS_AS(m.get(1s), mpact::WorkerLostError);
    CHECK_THROWS_AS(static_cast<void>(pool.apply_async(square, 1)), mpact::ValueError);
    pool.join();
}

TEST_CASE("destroying a pool terminates its workers" * doctest::timeout(60)) {
    std::vector<pid_t> pids;
    std::optional<mpact::AsyncResult<int>> r;
    {
        mpact::Pool pool{{.processes = 2}};
        pids = pool.worker_pids();
        r = pool.apply_async(sleep_ms, 20000);
    }
    for (pid_t pid : pids) CHECK_FALSE(mpact::test::process_exists(pid));
    CHECK_THROWS_AS(r->get(1s), mpact::WorkerLostError);
}

TEST_CASE("a killed worker is replaced and its task retried" * doctest::timeout(60)) {
    // Both workers are killed, so the task surely loses its worker once, and twice if the
    // pool retried it on the second before that one's death was seen: retries = 2.
    mpact::Pool pool{{.processes = 2, .retries = 2}};
    auto r = pool.apply_async(sleep_ms, 2000);
    auto before = pool.worker_pids();
    REQUIRE(mpact::test::eventually([&] { return !before.empty(); }));
    std::this_thread::yield();
    for (pid_t pid : before) ::kill(pid, SIGKILL);
    REQUIRE(mpact::test::eventually(
        [&] {
            auto now = pool.worker_pids();
            if (now.size() != 2) return false;
            for (pid_t p : now)
                for (pid_t b : before)
                    if (p == b) return false;
            return true;
        },
        5s));
    CHECK(r.get(20s) == 2000);
}

TEST_CASE("a worker that dies mid-task fails the task with WorkerLostError after its retries" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2, .retries = 2}};
    std::atomic<int> errors{0};
    auto r = pool.apply_async(die, std::make_tuple(0),
                              {.error_callback = [&](const mpact::Error&) { ++errors; }});
    try {
        r.get(20s);
        FAIL("no exception");
    } catch (const mpact::WorkerLostError& e) {
        CHECK(std::string(e.what()).find("exited with code 3") != std::string::npos);
    }
    auto k = pool.apply_async(kill_self, 0);
    try {
        k.get(20s);
        FAIL("no exception");
    } catch (const mpact::WorkerLostError& e) {
        CHECK(std::string(e.what()).find("signal 9") != std::string::npos);
    }
    CHECK(mpact::test::eventually([&] { return errors.load() == 1; }));
    CHECK(pool.apply(square, 4) == 16);
    CHECK(mpact::test::eventually([&] { return pool.worker_pids().size() == 2; }));
}

TEST_CASE("a worker killed mid-task is noticed within a second" * doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 1}};
    REQUIRE(pool.apply(square, 2) == 4);  // the worker is up
    auto pid = pool.worker_pids().at(0);
    auto r = pool.apply_async(sleep_ms, 30000);
    REQUIRE_FALSE(r.wait(50ms));  // it is running the task
    auto t0 = std::chrono::steady_clock::now();
    ::kill(pid, SIGKILL);
    CHECK_THROWS_AS(r.get(5s), mpact::WorkerLostError);
    CHECK(std::chrono::steady_clock::now() - t0 < 1s);
    CHECK(pool.apply(square, 5) == 25);  // replaced
    CHECK(pool.worker_pids().at(0) != pid);
}

TEST_CASE("a poison task that kills every worker fails after its retries and never loops" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2, .retries = 3}};
    auto r = pool.map_async(kill_self, std::vector<int>{0, 1}, 1);
    CHECK_THROWS_AS(r.get(20s), mpact::WorkerLostError);
    CHECK(pool.map(square, std::vector<int>{1, 2, 3}) == std::vector<int>{1, 4, 9});
    pool.close();
    pool.join();
}

TEST_CASE("map of a void task gives one std::monostate per item, as Python gives None" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    std::vector<int> xs(10, 1);
    auto nones = pool.map(note, xs);
    static_assert(std::is_same_v<decltype(nones), std::vector<std::monostate>>);
    CHECK(nones.size() == 10);
    std::size_t seen = 0;
    for (auto v : pool.imap_unordered(note, xs)) {
        static_assert(std::is_same_v<decltype(v), std::monostate>);
        ++seen;
    }
    CHECK(seen == 10);
    CHECK(pool.starmap(note2, std::vector<std::tuple<int, int>>{{1, 2}}).size() == 1);
}

TEST_CASE("join(timeout) returns false while work runs and true once the workers exited" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 1}};
    auto r = pool.apply_async(sleep_ms, 1500);
    CHECK_THROWS_AS(static_cast<void>(pool.join(10ms)), mpact::ValueError);
    pool.close();
    CHECK_FALSE(pool.join(50ms));
    CHECK(pool.join(30s));
    CHECK(r.get(1s) == 1500);
    CHECK(pool.join(1ms));  // already joined
}

TEST_CASE("a worker's unflushed output is not lost when the pool is destroyed" *
          doctest::timeout(60)) {
    // The workers write to this process's stdout, redirected to a file for the test. spawn:
    // a fresh program inherits the redirection (a forkserver started earlier would not).
    char path[] = "/tmp/mpact_pool_stdout_XXXXXX";
    int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    std::fflush(stdout);
    std::cout.flush();
    int saved = ::dup(1);
    ::dup2(fd, 1);
    {
        mpact::Pool pool{{.processes = 1, .start_method = mpact::StartMethod::spawn}};
        CHECK(pool.apply(print_unflushed, 4242) == 4242);
    }  // destroyed: terminate()
    ::dup2(saved, 1);
    ::close(saved);
    std::string text;
    char buffer[4096];
    for (ssize_t n; (n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(text.size()))) > 0;)
        text.append(buffer, static_cast<std::size_t>(n));
    ::close(fd);
    ::unlink(path);
    CHECK(text.find("unflushed-4242") != std::string::npos);
}

TEST_CASE("maxtasksperchild: 1,000 tasks in chunks of 1 retire 100 workers, not a restart storm" *
          doctest::timeout(120)) {
    // Python's test_maxtasksperchild. A retirement is a normal end: before the fix each one
    // counted toward the supervisor's restart intensity (20 within 1 s) and the map failed
    // with ProcessError. Under TSan a worker starts ~30x slower (58 s for the 100, far from
    // 20 a second): 30 retirements check the same path there.
    const int n = mpact::test::kVolumeScale == 1 ? 1000 : 300;
    mpact::Pool pool{{.processes = 2, .maxtasksperchild = 10}};
    std::vector<int> xs(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) xs[static_cast<std::size_t>(i)] = i;
    auto ys = pool.map(square, xs, 1);
    REQUIRE(ys.size() == static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) REQUIRE(ys[static_cast<std::size_t>(i)] == i * i);
    auto pids = pool.map(my_pid, std::vector<int>(100, 0), 1);
    CHECK(std::set<int>(pids.begin(), pids.end()).size() >= 10);
    pool.close();
    CHECK(pool.join(30s));
}

TEST_CASE("a death is charged to the task that was running, not to its whole chunk" *
          doctest::timeout(60)) {
    // One chunk of 60 tasks; three of them kill their worker on their first run. With
    // retries = 2 each killer is charged once and the map succeeds; charged per chunk (the
    // old way) the chunk ran out of retries at the third kill.
    char dir[] = "/tmp/mpact_pool_die_once_XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    mpact::Pool pool{{.processes = 1, .retries = 2}};
    std::vector<std::tuple<std::string, int>> items;
    for (int i = 0; i < 60; ++i) items.emplace_back(dir, i);
    auto ys = pool.starmap(die_once, items, 60);
    REQUIRE(ys.size() == 60);
    for (int i = 0; i < 60; ++i) CHECK(ys[static_cast<std::size_t>(i)] == i * i);
    for (int i : {10, 30, 50}) ::unlink((std::string(dir) + "/" + std::to_string(i)).c_str());
    ::rmdir(dir);
}

TEST_CASE("maxtasksperchild replaces workers without losing or duplicating tasks" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2, .maxtasksperchild = 3}};
    std::vector<int> xs(40, 0);
    auto pids = pool.map(my_pid, xs, 1);
    REQUIRE(pids.size() == 40);
    std::set<int> distinct(pids.begin(), pids.end());
    CHECK(distinct.size() >= 14);
    pool.close();
    pool.join();
}

TEST_CASE("the initializer runs in each worker before its tasks" * doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2, .initializer = mpact::bind_task(set_init, 42)}};
    CHECK(pool.map(read_init, std::vector<int>{0, 0, 0, 0}, 1) == std::vector<int>{42, 42, 42, 42});
}

TEST_CASE("default chunksize follows Python: ceil(n / (4 x workers))" * doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    // 100 items over 2 workers: chunks of 13; every result still arrives once, in order
    std::vector<int> xs(100);
    for (int i = 0; i < 100; ++i) xs[i] = i;
    auto ys = pool.map(square, xs);
    for (int i = 0; i < 100; ++i) CHECK(ys[i] == i * i);
}

TEST_CASE("a failing initializer fails the tasks with ProcessError instead of hanging" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2, .initializer = mpact::bind_task(bad_init)}};
    auto r = pool.apply_async(square, 3);
    CHECK_THROWS_AS(r.get(20s), mpact::ProcessError);
}

TEST_CASE("workers are restarted by the pool's supervisor, which gives up past its intensity" *
          doctest::timeout(60)) {
    // Two restarts allowed within a minute; the poison task kills a worker per attempt.
    mpact::Pool pool{
        {.processes = 1, .retries = 100, .restart_intensity = 2, .restart_period = 60s}};
    CHECK(pool.apply(square, 3) == 9);
    auto poison = pool.apply_async(kill_self, 0);
    try {
        poison.get(20s);
        FAIL("no exception");
    } catch (const mpact::ProcessError& e) {
        CHECK(std::string(e.what()).find("restart intensity") != std::string::npos);
    }
    // The pool is broken now: later tasks fail at once, never hang.
    CHECK_THROWS_AS(pool.apply_async(square, 4).get(20s), mpact::ProcessError);
    CHECK(mpact::test::eventually([&] { return pool.worker_pids().empty(); }));
    pool.close();
    pool.join();
}

TEST_CASE("close and join end every worker and none is restarted" * doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 3}};
    CHECK(pool.map(square, std::vector<int>{1, 2, 3, 4}, 1) == std::vector<int>{1, 4, 9, 16});
    REQUIRE(mpact::test::eventually([&] { return pool.worker_pids().size() == 3; }));
    auto pids = pool.worker_pids();
    pool.close();
    pool.join();
    CHECK(pool.worker_pids().empty());
    for (pid_t pid : pids)
        CHECK(mpact::test::eventually([&] { return !mpact::test::process_exists(pid); }));
}
