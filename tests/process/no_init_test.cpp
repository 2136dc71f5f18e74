// A program that never calls mpact::init (issue #12, fault 1): its children must take their
// role at their first mpact call, not re-run the program and start children of their own.
// A regression here is a fork storm, so the helper runs fenced in: in a pid namespace of
// its own (whose init, on exit or after a deadline, takes every process in it down) and,
// where the pids cgroup is writable, under a hard task limit.
#include "support/support.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

using namespace std::chrono_literals;

namespace {

constexpr int kTaskLimit = 256;  // tasks (threads count too) in the fence's cgroup
constexpr int kDeadlineSeconds = 90;

struct Fenced {
    int status = -1;     // the helper's exit code as the namespace's init reports it
    std::string output;  // the helper's stdout
    bool cgroup = false;
    long peak_tasks = -1;    // the cgroup's pids.peak
    std::string limit_hits;  // the cgroup's pids.events ("max N": forks refused)
};

bool write_file(const std::string& path, const std::string& text) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}
std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs `program` with `extra_env` in a fresh pid namespace (and pids cgroup, if possible).
Fenced run_fenced(const char* program, const std::string& extra_env) {
    Fenced result;
    std::string cgroup = "/sys/fs/cgroup/pids/mpact-test-" + std::to_string(::getpid());
    result.cgroup = ::mkdir(cgroup.c_str(), 0700) == 0 &&
                    write_file(cgroup + "/pids.max", std::to_string(kTaskLimit));
    std::string procs = cgroup + "/cgroup.procs";
    std::vector<std::string> env_strings{extra_env};
    for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    char* argv[] = {const_cast<char*>(program), nullptr};
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    pid_t parent = ::getpid();
    pid_t fence = ::fork();  // async-signal-safe calls only below, in the fence and its init
    REQUIRE(fence >= 0);
    if (fence == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(90);
        if (result.cgroup && !write_file(procs, "0")) ::_exit(91);
        if (::unshare(CLONE_NEWPID) != 0) ::_exit(92);
        pid_t init = ::fork();
        if (init < 0) ::_exit(93);
        if (init == 0) {  // pid 1 of the namespace: when it ends, the kernel kills the rest
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            ::signal(SIGALRM, [](int) { ::_exit(124); });  // init ignores default actions
            ::alarm(kDeadlineSeconds);
            pid_t helper = ::fork();
            if (helper == 0) {
                ::signal(SIGALRM, SIG_DFL);
                ::dup2(out[1], 1);
                ::execve(program, argv, envp.data());
                ::_exit(127);
            }
            int status = 0;
            pid_t reaped;
            while ((reaped = ::wait(&status)) > 0 && reaped != helper) {
            }
            ::_exit(reaped != helper    ? 94
                    : WIFEXITED(status) ? WEXITSTATUS(status)
                                        : 128 + WTERMSIG(status));
        }
        int status = 0;
        ::waitpid(init, &status, 0);
        ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 95);
    }
    ::close(out[1]);
    mpact::test::ChildGuard guard(fence);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kDeadlineSeconds + 20);
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{out[0], POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0) continue;
        auto n = ::read(out[0], buf, sizeof buf);
        if (n <= 0) break;  // every process of the namespace has gone
        result.output.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    int status = mpact::test::wait_child(fence, 30s);
    guard.release(fence);
    if (status != -1 && WIFEXITED(status)) result.status = WEXITSTATUS(status);
    if (result.cgroup) {
        result.peak_tasks = std::atol(read_file(cgroup + "/pids.peak").c_str());
        result.limit_hits = read_file(cgroup + "/pids.events");
        // Empty once the namespace's last task is gone (the kernel takes it down after init).
        CHECK(mpact::test::eventually([&] { return ::rmdir(cgroup.c_str()) == 0; }, 30s));
    }
    return result;
}

}  // namespace

TEST_CASE(
    "a program that never calls mpact::init starts children that take their role at "
    "their first mpact call" *
    doctest::timeout(180)) {
    std::string log = "/tmp/mpact-no-init-" + std::to_string(::getpid());
    std::remove(log.c_str());
    auto fenced = run_fenced(MPACT_NO_INIT_HELPER, "MPACT_TEST_MAIN_LOG=" + log);
    std::string runs = read_file(log);
    std::remove(log.c_str());
    MESSAGE("pids cgroup: " << std::string(fenced.cgroup ? "yes" : "no (pid namespace only)")
                            << ", peak tasks " << fenced.peak_tasks);
    CHECK(fenced.status == 0);
    CHECK(fenced.output == "total=91\n");  // 1 + 4 + 9 (three children) + 16 + 25 + 36 (Pool)
    // main ran in the root, the spawn child and the forkserver — each exactly once, up to
    // its first mpact call; Pool workers are forked by the forkserver and never run main.
    CHECK(std::count(runs.begin(), runs.end(), '\n') == 3);
    if (fenced.cgroup) {
        CHECK(fenced.limit_hits == "max 0\n");  // no fork was refused by the fence
        CHECK(fenced.peak_tasks < kTaskLimit);
    }
}
