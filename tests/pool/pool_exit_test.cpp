// The Pool's exit and interrupt policies (issue #17 point 5): PoolOptions::on_exit decides
// what the destructor does with submitted work (terminate, Python's `with`; or drain, bounded
// by drain_timeout); workers ignore SIGINT, so Ctrl-C to the process group leaves the decision
// to the parent: by default it dies and no worker outlives it; a parent that handles SIGINT
// keeps its pool whole.
#include <mpact/pool.hpp>
#include <mpact/sync.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using namespace std::chrono_literals;

namespace {

int counted_nap(mpact::Value<int> done, int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    done.fetch_add(1);
    return ms;
}
MPACT_TASK(counted_nap);

struct Helper {
    pid_t pid = -1;
    int out = -1;  // the helper's stdout
    std::string buffered;

    Helper(const char* mode, const char* how) {
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::setpgid(0, 0);  // its own group: the test sends SIGINT to it, never to itself
            ::dup2(fds[1], 1);
            ::execl(MPACT_POOL_SIGNAL_HELPER, MPACT_POOL_SIGNAL_HELPER, mode, how, nullptr);
            ::_exit(98);
        }
        ::setpgid(pid, pid);  // also here, so the group exists before any kill below
        ::close(fds[1]);
        out = fds[0];
    }
    ~Helper() {
        if (pid > 0) {
            ::kill(-pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
        if (out >= 0) ::close(out);
    }
    // The next line of the helper's output, or "" at EOF or after `timeout`.
    std::string line(std::chrono::milliseconds timeout) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (buffered.find('\n') == std::string::npos) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left <= 0ms) return "";
            pollfd p{out, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char chunk[256];
            auto n = ::read(out, chunk, sizeof chunk);
            if (n <= 0) return "";
            buffered.append(chunk, static_cast<std::size_t>(n));
        }
        auto nl = buffered.find('\n');
        std::string first = buffered.substr(0, nl);
        buffered.erase(0, nl + 1);
        return first;
    }
    // The helper's raw wait status, or -1 if it has not ended within `timeout`.
    int wait_status(std::chrono::milliseconds timeout) {
        int status = mpact::test::wait_child(pid, timeout);
        if (status != -1) pid = -1;
        return status;
    }
};

std::vector<pid_t> parse_pids(const std::string& line) {
    std::istringstream in(line);
    std::string word;
    in >> word;
    std::vector<pid_t> pids;
    for (pid_t p; in >> p;) pids.push_back(p);
    return pids;
}

// Waits until the helper's map is running, then sends SIGINT to its whole process group, as
// a terminal's Ctrl-C does. Returns the workers the helper reported.
std::vector<pid_t> interrupt_when_running(Helper& helper) {
    auto line = helper.line(30s);
    REQUIRE(line.rfind("pids", 0) == 0);
    auto workers = parse_pids(line);
    REQUIRE(workers.size() == 2);
    REQUIRE(::kill(-helper.pid, SIGINT) == 0);
    return workers;
}

}  // namespace

std::vector<std::tuple<mpact::Value<int>, int>> naps(const mpact::Value<int>& done, int n, int ms) {
    return std::vector<std::tuple<mpact::Value<int>, int>>(static_cast<std::size_t>(n), {done, ms});
}

TEST_CASE("on_exit terminate, the default, ends queued and running work at destruction" *
          doctest::timeout(60)) {
    mpact::Value<int> done(0);
    auto start = std::chrono::steady_clock::now();
    {
        mpact::Pool pool({.processes = 2});
        auto r = pool.starmap_async(counted_nap, naps(done, 8, 1000), 1);
        // Both workers have a task in hand, so the kill below is mid-task.
        CHECK(mpact::test::eventually([&] { return pool.worker_pids().size() == 2; }, 20s));
        std::this_thread::sleep_for(200ms);
    }
    CHECK(std::chrono::steady_clock::now() - start < 8s);  // 8 x 1 s on 2 workers is 4 s
    CHECK(done.load() == 0);
}

TEST_CASE("on_exit drain lets every submitted task finish before the destructor returns" *
          doctest::timeout(60)) {
    mpact::Value<int> done(0);
    std::optional<mpact::AsyncResult<std::vector<int>>> result;
    {
        mpact::Pool pool({.processes = 2, .on_exit = mpact::OnExit::drain});
        result = pool.starmap_async(counted_nap, naps(done, 8, 100), 1);
    }
    CHECK(done.load() == 8);
    REQUIRE(result->ready());
    CHECK(result->get(1s) == std::vector<int>(8, 100));
}

TEST_CASE("on_exit drain is bounded by drain_timeout, then terminates" * doctest::timeout(60)) {
    mpact::Value<int> done(0);
    auto start = std::chrono::steady_clock::now();
    std::optional<mpact::AsyncResult<std::vector<int>>> result;
    {
        mpact::Pool pool({.processes = 2, .on_exit = mpact::OnExit::drain, .drain_timeout = 500ms});
        result = pool.starmap_async(counted_nap, naps(done, 4, 30000), 1);
    }
    CHECK(std::chrono::steady_clock::now() - start < 15s);
    CHECK(done.load() == 0);
    CHECK_THROWS_AS(result->get(5s), mpact::WorkerLostError);
}

TEST_CASE("on_exit drain after close and join returns at once" * doctest::timeout(60)) {
    mpact::Value<int> done(0);
    mpact::Pool pool({.processes = 1, .on_exit = mpact::OnExit::drain});
    auto r = pool.starmap_async(counted_nap, naps(done, 2, 10), 1);
    pool.close();
    pool.join();
    CHECK(done.load() == 2);
    CHECK_THROWS_AS(mpact::Pool({.drain_timeout = -1s}), mpact::ValueError);
}

TEST_CASE("SIGINT to the process group kills the parent and no worker outlives it" *
          doctest::timeout(120)) {
    for (const char* how : {"fork", "forkserver", "spawn"}) {
        CAPTURE(how);
        Helper helper("default", how);
        auto workers = interrupt_when_running(helper);
        int status = helper.wait_status(20s);
        REQUIRE(status != -1);
        CHECK(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == SIGINT);
        for (auto w : workers) {
            CAPTURE(w);
            CHECK(mpact::test::eventually([&] { return !mpact::test::process_exists(w); }, 10s));
        }
    }
}

TEST_CASE("SIGINT to the group of a parent that handles it leaves the pool whole" *
          doctest::timeout(120)) {
    for (const char* how : {"fork", "forkserver", "spawn"}) {
        CAPTURE(how);
        Helper helper("handled", how);
        static_cast<void>(interrupt_when_running(helper));
        // Every task ran once and the same two workers ran them: none took the signal.
        CHECK(helper.line(60s) == "done 40 1");
        int status = helper.wait_status(20s);
        REQUIRE(status != -1);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
}
