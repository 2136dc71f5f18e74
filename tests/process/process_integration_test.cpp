// Whole programs: what happens to children when their parent exits or is killed.
#include "support/support.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

using namespace std::chrono_literals;

namespace {
struct Pids {
    pid_t daemon = 0, plain = 0, forked = 0;
};
pid_t run_helper(const std::string& mode, const std::string& file, int plain_ms) {
    pid_t pid = ::fork();
    if (pid == 0) {
        std::string ms = std::to_string(plain_ms);
        ::execl(MPACT_PARENT_HELPER, MPACT_PARENT_HELPER, mode.c_str(), file.c_str(), ms.c_str(),
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    return pid;
}
Pids read_pids(const std::string& file) {
    Pids p;
    REQUIRE(mpact::test::eventually([&] { return std::ifstream(file).good(); }, 30s));
    std::ifstream in(file);
    in >> p.daemon >> p.plain >> p.forked;
    return p;
}
}  // namespace

TEST_CASE("at normal exit daemon children are terminated and non-daemon children joined" *
          doctest::timeout(90)) {
    std::string file = "/tmp/mpact-parent-" + std::to_string(::getpid()) + "-exit";
    pid_t parent = run_helper("exit", file, 1500);
    mpact::test::ChildGuard guard(parent);
    auto pids = read_pids(file);
    std::remove(file.c_str());
    auto start = std::chrono::steady_clock::now();
    int status = mpact::test::wait_child(parent, 60s);
    guard.release(parent);
    REQUIRE(status != -1);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    // The parent waited for its non-daemon child (which naps 1.5 s) before exiting.
    CHECK(std::chrono::steady_clock::now() - start >= 1s);
    CHECK(mpact::test::eventually(
        [&] {
            return !mpact::test::process_exists(pids.daemon) &&
                   !mpact::test::process_exists(pids.plain) &&
                   !mpact::test::process_exists(pids.forked);
        },
        10s));
}

TEST_CASE("every child is gone within 1 s of its parent being SIGKILLed" * doctest::timeout(90)) {
    std::string file = "/tmp/mpact-parent-" + std::to_string(::getpid()) + "-kill";
    pid_t parent = run_helper("wait", file, 600000);
    mpact::test::ChildGuard guard(parent);
    auto pids = read_pids(file);
    std::remove(file.c_str());
    ::kill(parent, SIGKILL);
    REQUIRE(mpact::test::wait_child(parent, 10s) != -1);
    guard.release(parent);
    auto killed = std::chrono::steady_clock::now();
    CHECK(mpact::test::eventually(
        [&] {
            return !mpact::test::process_exists(pids.daemon) &&
                   !mpact::test::process_exists(pids.plain) &&
                   !mpact::test::process_exists(pids.forked);
        },
        5s));
    CHECK(std::chrono::steady_clock::now() - killed < 1s);
}
