// What a session leaves behind and what it may use: a root killed by SIGKILL leaves its
// files to the next root, one killed by SIGINT or SIGTERM removes them itself, a reused pid
// neither keeps a dead session nor ends a live one, the scratch directory follows
// MPACT_RUNTIME_DIR, and running out of descriptors is a typed error, never an abort.
// Each root is tests/session/resource_helper, run with its own environment and limits.
#include "support/support.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct Limits {
    rlim_t soft = 0, hard = 0;  // 0: inherited
};

// Starts the helper with `args`, the environment changed by `env` (a nullopt value
// unsets), and descriptor limits `limits`.
pid_t start_helper(const std::vector<std::string>& args,
                   const std::map<std::string, std::optional<std::string>>& env,
                   Limits limits = {}) {
    std::vector<std::string> argv{MPACT_RESOURCE_HELPER};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_t pid = mpact::test::start_program(argv, env, [limits] {
        if (limits.hard != 0) {
            rlimit l{limits.soft, limits.hard};
            if (::setrlimit(RLIMIT_NOFILE, &l) != 0) ::_exit(97);
        }
    });
    REQUIRE(pid >= 0);
    return pid;
}

// A private directory for one test's runtime files, removed at the end.
struct TempDir {
    fs::path path;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "mpact-session-test-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

// A running "hold" root: its session directory and scratch directory.
struct HeldSession {
    pid_t pid = 0;
    std::string dir, scratch;
};

HeldSession hold(const TempDir& t, const std::map<std::string, std::optional<std::string>>& env) {
    auto info = (t.path / ("info-" + std::to_string(::rand()))).string();
    HeldSession s;
    s.pid = start_helper({"hold", info}, env);
    REQUIRE(mpact::test::eventually([&] { return fs::exists(info); }, 60s));
    std::ifstream in(info);
    std::getline(in, s.dir);
    std::getline(in, s.scratch);
    REQUIRE(fs::is_directory(s.dir));
    REQUIRE(fs::is_directory(s.scratch));
    REQUIRE_FALSE(fs::is_empty(s.scratch));  // the kept spill file
    return s;
}

int finish(pid_t pid, std::chrono::milliseconds timeout = 120s) {
    int status = mpact::test::wait_child(pid, timeout);
    if (status == -1) {
        ::kill(pid, SIGKILL);
        mpact::test::wait_child(pid, 20s);
    }
    return status;
}

std::map<std::string, std::optional<std::string>> runtime_env(const TempDir& t) {
    return {{"MPACT_RUNTIME_DIR", t.path.string()}};
}
// No MPACT_RUNTIME_DIR: the session under XDG_RUNTIME_DIR, its scratch on /dev/shm.
std::map<std::string, std::optional<std::string>> shm_env(const TempDir& t) {
    return {{"MPACT_RUNTIME_DIR", std::nullopt}, {"XDG_RUNTIME_DIR", t.path.string()}};
}

}  // namespace

TEST_CASE("the scratch directory follows MPACT_RUNTIME_DIR" * doctest::timeout(120)) {
    TempDir t;
    auto s = hold(t, runtime_env(t));
    CHECK(s.scratch.rfind(t.path.string() + "/", 0) == 0);
    ::kill(s.pid, SIGKILL);
    finish(s.pid);
}

TEST_CASE(
    "a root killed by SIGKILL leaves its session and scratch, and the next root removes "
    "them" *
    doctest::timeout(240)) {
    for (bool on_shm : {false, true}) {
        CAPTURE(on_shm);
        TempDir t;
        auto env = on_shm ? shm_env(t) : runtime_env(t);
        auto s = hold(t, env);
        CHECK((s.scratch.rfind("/dev/shm/", 0) == 0) == on_shm);
        ::kill(s.pid, SIGKILL);
        int status = finish(s.pid);
        REQUIRE(WIFSIGNALED(status));
        CHECK(fs::exists(s.dir));  // nobody could remove them yet
        CHECK(fs::exists(s.scratch));
        CHECK(WIFEXITED(finish(start_helper({"touch"}, env))));
        CHECK_FALSE(fs::exists(s.dir));
        CHECK_FALSE(fs::exists(s.scratch));
    }
}

TEST_CASE("a root killed by SIGINT or SIGTERM removes its session and scratch as it dies" *
          doctest::timeout(240)) {
    for (int sig : {SIGINT, SIGTERM}) {
        for (bool on_shm : {false, true}) {
            CAPTURE(sig);
            CAPTURE(on_shm);
            TempDir t;
            auto s = hold(t, on_shm ? shm_env(t) : runtime_env(t));
            ::kill(s.pid, sig);
            int status = finish(s.pid);
            REQUIRE(WIFSIGNALED(status));
            CHECK(WTERMSIG(status) == sig);  // it still dies of the signal
            CHECK_FALSE(fs::exists(s.dir));
            CHECK_FALSE(fs::exists(s.scratch));
        }
    }
}

TEST_CASE(
    "a live session survives another root's cleanup; a dead one whose pid is in use "
    "again does not" *
    doctest::timeout(240)) {
    TempDir t;
    auto env = shm_env(t);
    auto live = hold(t, env);
    const auto user_dir = fs::path(live.dir).parent_path();
    // A dead session named after a pid that is alive now (this process's): its lock file
    // is there but nobody holds it.
    const auto reused = user_dir / (std::to_string(::getpid()) + "-deadbeef");
    const auto reused_scratch =
        "/dev/shm/mpact-" + std::to_string(::getuid()) + "-" + reused.filename().string();
    fs::create_directories(reused);
    std::ofstream(reused / "lock") << "";
    std::ofstream(reused / "12345") << "";
    fs::create_directories(reused_scratch);
    std::ofstream(fs::path(reused_scratch) / "free-1-1") << "spill";
    // Sessions from before lock files: kept while the pid in their name is alive.
    const auto old_live = user_dir / (std::to_string(::getpid()) + "-cafecafe");
    fs::create_directories(old_live);
    pid_t dead = mpact::test::fork_child([] { return 0; });
    REQUIRE(WIFEXITED(mpact::test::wait_child(dead)));
    const auto old_dead = user_dir / (std::to_string(dead) + "-0badf00d");
    fs::create_directories(old_dead);

    CHECK(WIFEXITED(finish(start_helper({"touch"}, env))));
    CHECK(fs::is_directory(live.dir));
    CHECK(fs::is_directory(live.scratch));
    CHECK_FALSE(fs::exists(reused));
    CHECK_FALSE(fs::exists(reused_scratch));
    CHECK(fs::exists(old_live));
    CHECK_FALSE(fs::exists(old_dead));

    ::kill(live.pid, SIGKILL);
    finish(live.pid);
    CHECK(WIFEXITED(finish(start_helper({"touch"}, env))));
    CHECK_FALSE(fs::exists(live.dir));
    CHECK_FALSE(fs::exists(live.scratch));
}

TEST_CASE("the soft descriptor limit is raised to the hard limit" * doctest::timeout(60)) {
    TempDir t;
    int status = finish(start_helper({"nofile"}, runtime_env(t), {.soft = 64, .hard = 512}));
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE(
    "a Pool of 8 and queues under few descriptors works or fails with a typed error, "
    "never aborts or hangs" *
    doctest::timeout(600)) {
    TempDir t;
    for (rlim_t limit : {rlim_t{32}, rlim_t{48}, rlim_t{64}, rlim_t{72}, rlim_t{96}}) {
        CAPTURE(limit);
        int status =
            finish(start_helper({"fds", "8", "4"}, runtime_env(t), {.soft = limit, .hard = limit}));
        REQUIRE(status != -1);  // no hang
        CHECK_FALSE(WIFSIGNALED(status));
        REQUIRE(WIFEXITED(status));
        CHECK((WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3));
    }
}

TEST_CASE("a Pool whose workers could not start for want of descriptors is destroyed at once" *
          doctest::timeout(300)) {
    // At limit 32 the pool's supervisor gives up (a start refused for descriptors each time)
    // and the pool's actor stops on its own. ~Pool -> terminate -> join once waited forever
    // there; with terminate's fallback alone (join bounded at 10 s, then SIGKILL) it took 10 s.
    // A stopped actor releases join() at once (~0.1 s measured), so 8 s is the bound here.
    // At limit 40 the pool runs but a queue cannot connect: the 10 s fallback is allowed.
    TempDir t;
    for (auto [limit, bound] : {std::pair{rlim_t{32}, 8s}, std::pair{rlim_t{40}, 60s}}) {
        CAPTURE(limit);
        int status = finish(
            start_helper({"fds-destroy", "8", "4"}, runtime_env(t), {.soft = limit, .hard = limit}),
            bound);
        REQUIRE(status != -1);  // ~Pool returned within the bound
        REQUIRE(WIFEXITED(status));
        CHECK((WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 4));
    }
}
