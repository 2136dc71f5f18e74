// How long children live: as long as their parent *process* (not the thread that started
// them), and not longer — under every start method and every nesting (issue #12 faults 2, 3).
#include <mpact/errors.hpp>
#include <mpact/internal/pidfd.hpp>
#include <mpact/pipe.hpp>
#include <mpact/process.hpp>

#include "process/bootstrap.hpp"
#include "support/support.hpp"

#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

constexpr mpact::StartMethod kMethods[] = {mpact::StartMethod::fork, mpact::StartMethod::spawn,
                                           mpact::StartMethod::forkserver};

// The grandchild: says who it is and who its OS parent is (its forkserver, if it has one),
// then waits — bounded — to be killed with its logical parent.
void report_and_wait(mpact::Connection out) {
    out.send(std::vector<int>{static_cast<int>(::getpid()), static_cast<int>(::getppid())});
    std::this_thread::sleep_for(60s);
}
// The middle: starts the grandchild under `method`, then waits — bounded — to be killed.
void start_grandchild(int method, mpact::Connection out) {
    mpact::Process grandchild({.start_method = static_cast<mpact::StartMethod>(method)},
                              report_and_wait, out);
    grandchild.start();
    std::this_thread::sleep_for(60s);
}
void return_at_once() {}
// Answers `times` pings, then ends: proof that it lived past the moment of each.
void echo(int times, mpact::Connection conn) {
    for (int i = 0; i < times; ++i) conn.send(conn.recv<int>(60s));
}

}  // namespace
MPACT_TASK(report_and_wait);
MPACT_TASK(start_grandchild);
MPACT_TASK(echo);
MPACT_TASK(return_at_once);

namespace {

int pidfd_open(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}
bool pidfd_readable(int fd, std::chrono::milliseconds timeout) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}
pid_t parent_of(pid_t pid) {
    std::FILE* f = std::fopen(("/proc/" + std::to_string(pid) + "/stat").c_str(), "r");
    if (f == nullptr) return 0;
    int ignored = 0, ppid = 0;
    char comm[256] = {};
    char state = '?';
    int n = std::fscanf(f, "%d %255s %c %d", &ignored, comm, &state, &ppid);
    std::fclose(f);
    return n == 4 ? ppid : 0;
}

// Holds pidfds of processes that are not (yet) ours; at the end kills whatever is left and
// reaps what became ours (this test process is a subreaper while it runs, so orphans of
// the killed middle come to it rather than to init).
struct Watched {
    std::vector<int> fds;
    Watched() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }
    ~Watched() {
        for (int fd : fds) {
            if (!pidfd_readable(fd, 0ms)) ::syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0);
            static_cast<void>(pidfd_readable(fd, 5000ms));
            siginfo_t info{};
            ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd), &info,
                     WEXITED | WNOHANG);
            ::close(fd);
        }
        ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    }
    // Watches `pid` if it is the process we were told of: its parent is `parent` (checked
    // after the pidfd is open, so a reused pid cannot slip in between); else -1.
    int add(pid_t pid, pid_t parent) {
        int fd = pidfd_open(pid);
        if (fd < 0) return -1;
        if (parent_of(pid) != parent) {
            ::close(fd);
            return -1;
        }
        fds.push_back(fd);
        return fd;
    }
};

// Kills and reaps a child at the end of a scope, whatever failed before.
struct KillAtEnd {
    mpact::Process& process;
    ~KillAtEnd() {
        process.kill();
        static_cast<void>(process.join(10s));
    }
};

}  // namespace

// First in this file: under ctest every case runs in a fresh process, and so does this one
// when the whole binary runs, so under forkserver the thread is what starts the forkserver.
TEST_CASE("a child started by a thread that ends at once lives on, under every start method" *
          doctest::timeout(120)) {
    for (auto method : kMethods) {
        CAPTURE(std::string(mpact::to_string(method)));
        auto [here, there] = mpact::pipe();
        std::optional<mpact::Process> child;
        pid_t thread_id = 0;
        std::thread starter([&, here = here, there = there]() mutable {
            child.emplace(mpact::ProcessOptions{.start_method = method}, echo, 2, there);
            child->start();
            here.send(1);  // answered: the child has set itself up while this thread lived
            static_cast<void>(here.recv<int>(30s));
            thread_id = static_cast<pid_t>(::gettid());
        });
        starter.join();
        // Gone from the task list means fully exited: a death signal tied to it was sent.
        std::string task = "/proc/self/task/" + std::to_string(thread_id);
        REQUIRE(mpact::test::eventually([&] { return ::access(task.c_str(), F_OK) != 0; }, 10s));
        int answer = 0;
        try {
            here.send(7);
            answer = here.recv<int>(30s);
        } catch (const mpact::Error& e) {
            FAIL_CHECK("the child did not answer: " << std::string(e.what()));
        }
        CHECK(answer == 7);
        REQUIRE(child->join(30s));
        CHECK(child->exitcode().value_or(-1000) == 0);
    }
}

TEST_CASE("a forkserver killed with SIGKILL is replaced at the next start" *
          doctest::timeout(120)) {
    auto [here, there] = mpact::pipe();
    mpact::Process first({.start_method = mpact::StartMethod::forkserver}, report_and_wait, there);
    first.start();
    KillAtEnd kill_first{first};
    auto ids = here.recv<std::vector<int>>(60s);
    REQUIRE(ids.size() == 2);
    pid_t server = ids[1];  // our unreaped child: its pid cannot have been reused
    REQUIRE(parent_of(server) == ::getpid());
    int server_fd = pidfd_open(server);
    REQUIRE(server_fd >= 0);
    ::kill(server, SIGKILL);
    CHECK(pidfd_readable(server_fd, 10000ms));
    ::close(server_fd);
    CHECK(first.join(30s));  // its children die with it

    auto [here2, there2] = mpact::pipe();
    mpact::Process second({.start_method = mpact::StartMethod::forkserver}, echo, 1, there2);
    second.start();
    KillAtEnd kill_second{second};
    here2.send(11);
    CHECK(here2.recv<int>(30s) == 11);
    REQUIRE(second.join(30s));
    CHECK(second.exitcode() == 0);
}

TEST_CASE(
    "a grandchild and its forkserver die within 5 s of its parent's SIGKILL, under "
    "every pair of start methods" *
    doctest::timeout(300)) {
    // A root that has a forkserver already: a fork-started middle inherits its client state.
    mpact::Process warm_up({.start_method = mpact::StartMethod::forkserver}, return_at_once);
    warm_up.start();
    REQUIRE(warm_up.join(60s));
    for (auto outer : kMethods) {
        for (auto inner : kMethods) {
            std::string methods =
                std::string(mpact::to_string(outer)) + " > " + mpact::to_string(inner);
            CAPTURE(methods);
            Watched watched;
            auto [here, there] = mpact::pipe();
            mpact::Process middle({.start_method = outer}, start_grandchild,
                                  static_cast<int>(inner), there);
            middle.start();
            KillAtEnd kill_middle{middle};
            auto ids = here.recv<std::vector<int>>(60s);
            REQUIRE(ids.size() == 2);
            pid_t grandchild = ids[0], os_parent = ids[1];
            int grandchild_fd = watched.add(grandchild, os_parent);
            REQUIRE(grandchild_fd >= 0);
            int forkserver_fd = -1;
            if (os_parent != *middle.pid()) {  // started by a forkserver: the middle's own
                CHECK(inner == mpact::StartMethod::forkserver);
                forkserver_fd = watched.add(os_parent, *middle.pid());
                CHECK_MESSAGE(forkserver_fd >= 0, "the grandchild's forkserver (pid ", os_parent,
                              ") is not the middle's");
            }
            middle.kill();
            REQUIRE(middle.join(30s));
            CHECK(middle.exitcode() == -SIGKILL);
            CHECK(pidfd_readable(grandchild_fd, 5000ms));
            if (forkserver_fd >= 0) CHECK(pidfd_readable(forkserver_fd, 5000ms));
        }
    }
}

TEST_CASE("a bootstrap written to a child that is gone costs an error, never a SIGPIPE") {
    // The parent writes a spawned child's bootstrap down a pipe; a child killed before it
    // read it closed the other end. Run in a child of the test with SIGPIPE's default action,
    // so the signal, if raised and not taken back, would kill it.
    pid_t pid = mpact::test::fork_child([] {
        ::signal(SIGPIPE, SIG_DFL);
        int fds[2];
        if (::pipe(fds) != 0) return 10;
        ::close(fds[0]);
        if (mpact::detail::write_frame(fds[1], std::string(64, 'b'))) return 11;
        sigset_t pending;
        sigpending(&pending);
        return sigismember(&pending, SIGPIPE) == 1 ? 12 : 0;
    });
    int status = mpact::test::wait_child(pid);
    CHECK_FALSE(WIFSIGNALED(status));
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a live peer is not taken for dead when no descriptor is left to watch it") {
    pid_t pid = mpact::test::fork_child([] {
        // Every descriptor in use: pidfd_open fails with EMFILE.
        rlimit limit{16, 16};
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return 9;
        for (int i = 0; i < 16 && ::dup(0) >= 0; ++i) {
        }
        if (mpact::detail::open_pidfd(::getppid()) >= 0) return 10;  // the premise
        return mpact::detail::process_running(::getppid()) ? 0 : 11;
    });
    int status = mpact::test::wait_child(pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
