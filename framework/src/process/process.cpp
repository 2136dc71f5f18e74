#include <mpact/internal/pidfd.hpp>
#include <mpact/internal/session.hpp>
#include <mpact/process.hpp>

#include "process/bootstrap.hpp"
#include "process/child_role.hpp"
#include "process/launcher.hpp"
#include "process/process_state.hpp"
#include "transport/descriptor_budget.hpp"
#include "transport/link.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

namespace mpact {

namespace {

std::mutex g_method_mutex;
std::optional<StartMethod> g_method;

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return 1;
}

// argv of this process as it was started, for a spawn child's exec.
std::vector<std::string> own_argv() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string> args;
    std::string current;
    for (char c : all) {
        if (c == '\0') {
            args.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    return args;
}

// The descriptors the target's arguments hand to the child (duplicates owned by the target).
std::vector<int> handed_fds(const detail::ProcessState& s) {
    return s.target.descriptors ? s.target.descriptors->fds : std::vector<int>{};
}

detail::Bootstrap make_bootstrap(const detail::ProcessState& s) {
    const auto& session = detail::session();
    const auto& me = detail::identity();
    return detail::Bootstrap{session.dir,
                             session.authkey,
                             session.root_pid,
                             *s.target.task,
                             s.target.packed_args,
                             s.name,
                             s.identity,
                             s.daemon,
                             static_cast<int>(::getpid()),
                             me.name,
                             handed_fds(s)};
}

// PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not the process:
// every fork runs on the launcher thread, which lives as long as this process.
void die_with_parent(pid_t parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
}

// The child half of start_fork: runs on a copy of the launcher thread and never returns.
[[noreturn]] void run_forked_child(detail::ProcessState& s, pid_t parent) {
    detail::node_after_fork_in_child();
    detail::forget_children_after_fork();
    // The closure holds the arguments themselves; the duplicates made for other start
    // methods would only keep a Connection's peer from seeing EOF.
    for (int fd : handed_fds(s)) ::close(fd);
    ::signal(SIGTERM, SIG_DFL);  // terminate() means the default action, whatever the parent set
    die_with_parent(parent);
    auto& id = detail::identity();
    std::string parent_name = id.name;
    id = detail::Identity{s.name, s.identity, s.daemon, static_cast<int>(parent), parent_name, 0};
    int code = 0;
    try {
        s.target.closure();
    } catch (const std::exception& e) {
        std::cout.flush();
        std::cerr << "Process " << s.name << ":\n" << e.what() << std::endl;
        code = 1;
    } catch (...) {
        code = 1;
    }
    std::cout.flush();
    std::fflush(nullptr);
    detail::settle_before_exit();  // _exit skips the thread-exit flush of one-way sends
    detail::finish_children();
    ::_exit(code);
}

void start_fork(detail::ProcessState& s) {
    pid_t parent = ::getpid();
    std::cout.flush();
    std::fflush(nullptr);
    pid_t pid = -1;
    detail::run_on_launcher([&] {
        pid = ::fork();
        if (pid == 0) run_forked_child(s, parent);
    });
    if (pid < 0) throw ProcessError("fork failed");
    s.pid = pid;
    s.sentinel = detail::open_pidfd(pid);
}

void start_spawn(detail::ProcessState& s) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw ProcessError("pipe failed");
    const auto handed = handed_fds(s);
    auto args = own_argv();
    if (args.empty()) args.push_back("mpact-child");
    args.resize(1);  // the child needs only its role, not the parent's arguments
    args.push_back("--mpact-role=spawn");
    args.push_back("--mpact-bootstrap-fd=" + std::to_string(fds[0]));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    detail::RoleEnvironment env("spawn", fds[0]);
    pid_t parent = ::getpid();
    pid_t pid = -1;
    detail::run_on_launcher([&] {
        pid = ::fork();
        if (pid == 0) {  // async-signal-safe calls only until exec
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(1);
            ::fcntl(fds[0], F_SETFD, 0);  // the bootstrap descriptor survives exec
            for (int fd : handed) ::fcntl(fd, F_SETFD, 0);  // and so do the handed ones
            env.stamp(::getpid());
            ::execve("/proc/self/exe", argv.data(), env.envp());
            ::_exit(127);
        }
    });
    ::close(fds[0]);
    if (pid < 0) {
        ::close(fds[1]);
        throw ProcessError("fork failed");
    }
    s.pid = pid;
    s.sentinel = detail::open_pidfd(pid);
    bool ok = detail::write_frame(fds[1], pack(make_bootstrap(s)));
    ::close(fds[1]);
    if (!ok)
        throw ProcessError("could not hand the bootstrap to spawned process " +
                           std::to_string(pid));
}

}  // namespace

const char* to_string(StartMethod method) noexcept {
    switch (method) {
        case StartMethod::fork:
            return "fork";
        case StartMethod::spawn:
            return "spawn";
        case StartMethod::forkserver:
            return "forkserver";
    }
    return "?";
}

void set_start_method(StartMethod method, bool force) {
    std::lock_guard lock(g_method_mutex);
    if (g_method && !force) throw ValueError("context has already been set");
    g_method = method;
}

StartMethod get_start_method() {
    std::lock_guard lock(g_method_mutex);
    return g_method.value_or(StartMethod::forkserver);
}

Process::Process(ProcessOptions options, detail::ProcessTarget target)
    : state_(std::make_shared<detail::ProcessState>()) {
    detail::ensure_role();  // a child whose main skipped mpact::init becomes itself here
    auto& id = detail::identity();
    int n = ++id.children_started;
    state_->identity = id.identity;
    state_->identity.push_back(n);
    std::string name = "Process-";
    for (std::size_t i = 0; i < state_->identity.size(); ++i) {
        name += (i ? ":" : "") + std::to_string(state_->identity[i]);
    }
    state_->name = options.name.empty() ? name : options.name;
    state_->daemon = options.daemon.value_or(id.daemon);
    state_->method = options.start_method.value_or(get_start_method());
    state_->target = std::move(target);
}

Process::Process(Process&&) noexcept = default;
Process& Process::operator=(Process&&) noexcept = default;
Process::~Process() = default;  // a running child is left to run, as in Python

void Process::start() {
    detail::ensure_role();  // never a child of a child that has not taken its role
    auto& s = *state_;
    std::lock_guard lock(s.mutex);
    if (s.closed) throw ValueError("process object is closed");
    if (s.started) throw ValueError("cannot start a process twice");
    if (detail::identity().daemon)
        throw ValueError("daemonic processes are not allowed to have children");
    if (s.method != StartMethod::fork && !s.target.task) {
        throw ValueError(
            std::string("start method '") + to_string(s.method) +
            "' runs the target in a fresh program, so it must be a function registered "
            "with MPACT_TASK; lambdas and closures need StartMethod::fork");
    }
    static_cast<void>(detail::session());  // parent and child must share one session
    // A child costs its sentinel and our link to it, and the connections it makes to us,
    // which libzmq accepts later, whenever they come, and aborts on if none is left (the
    // reserve keeps room for those of the children already started): refused now, while it
    // is clean.
    detail::check_descriptors("start a child process", 4 + detail::kIncomingPerChild);
    switch (s.method) {
        case StartMethod::fork:
            start_fork(s);
            break;
        case StartMethod::spawn:
            start_spawn(s);
            break;
        case StartMethod::forkserver: {
            auto child = detail::forkserver_start(make_bootstrap(s), handed_fds(s));
            s.pid = child.pid;
            s.sentinel = child.status_fd;
            s.via_forkserver = true;
            break;
        }
    }
    s.started = true;
    // As Python's start() drops target and args: the child has its copies now, and ours
    // must not keep a handed Connection open in this process. Handed-over values (a
    // Connection not kept) close the parent's own copy too, so the child's death is seen.
    s.target.closure = nullptr;
    if (s.target.descriptors) s.target.descriptors->handed_over({s.name, s.pid});
    s.target.descriptors.reset();
    detail::register_child(state_);
}

namespace detail {
bool ProcessState::poll_exit(int timeout_ms) {
    if (exitcode) return true;
    if (!started) return false;
    pollfd p{sentinel, POLLIN, 0};
    int r = 0;
    do {
        r = ::poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r <= 0) return false;
    if (via_forkserver) {
        int code = 0;
        std::string bytes;
        exitcode = read_frame(sentinel, bytes) && bytes.size() == sizeof code
                       ? (std::memcpy(&code, bytes.data(), sizeof code), code)
                       : 255;
    } else {
        int status = 0;
        if (::waitpid(pid, &status, 0) != pid) return false;
        exitcode = decode_status(status);
    }
    return true;
}
}  // namespace detail

void Process::join() {
    auto& s = *state_;
    std::lock_guard lock(s.mutex);
    if (!s.started) throw ValueError("can only join a started process");
    s.poll_exit(-1);
}

bool Process::join(Duration timeout) {
    auto& s = *state_;
    std::lock_guard lock(s.mutex);
    if (!s.started) throw ValueError("can only join a started process");
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(std::max(timeout, Duration::zero()));
    return s.poll_exit(static_cast<int>(ms.count()));
}

bool Process::is_alive() {
    auto& s = *state_;
    std::lock_guard lock(s.mutex);
    if (s.closed) throw ValueError("process object is closed");
    return s.started && !s.poll_exit(0);
}

void Process::terminate() {
    std::lock_guard lock(state_->mutex);
    if (state_->started && !state_->exitcode) ::kill(state_->pid, SIGTERM);
}

void Process::kill() {
    std::lock_guard lock(state_->mutex);
    if (state_->started && !state_->exitcode) ::kill(state_->pid, SIGKILL);
}

void Process::close() {
    auto& s = *state_;
    std::lock_guard lock(s.mutex);
    if (s.started && !s.poll_exit(0)) {
        throw ValueError(
            "Cannot close a process while it is still running. You should first call join() or "
            "terminate().");
    }
    if (s.sentinel >= 0) ::close(s.sentinel);
    s.sentinel = -1;
    s.closed = true;
}

std::optional<int> Process::exitcode() {
    auto& s = *state_;
    std::lock_guard lock(s.mutex);
    if (s.closed) throw ValueError("process object is closed");
    s.poll_exit(0);
    return s.exitcode;
}

std::optional<pid_t> Process::pid() const {
    if (!state_->started) return std::nullopt;
    return state_->pid;
}
const std::string& Process::name() const {
    return state_->name;
}
void Process::set_name(std::string name) {
    state_->name = std::move(name);
}
bool Process::daemon() const {
    return state_->daemon;
}
void Process::set_daemon(bool daemon) {
    if (state_->started) throw ValueError("process has already started");
    state_->daemon = daemon;
}
StartMethod Process::start_method() const {
    return state_->method;
}
Sentinel Process::sentinel() const {
    if (!state_->started) throw ValueError("process not started");
    return Sentinel{state_->sentinel};
}

ProcessInfo current_process() {
    detail::ensure_role();
    const auto& id = detail::identity();
    return ProcessInfo{id.name, ::getpid(), id.daemon};
}

std::optional<ProcessInfo> parent_process() {
    detail::ensure_role();
    const auto& id = detail::identity();
    if (id.parent_pid == 0) return std::nullopt;
    return ProcessInfo{id.parent_name, id.parent_pid, false};
}

std::vector<ProcessInfo> active_children() {
    std::vector<ProcessInfo> out;
    for (auto& child : detail::live_children()) {
        std::lock_guard lock(child->mutex);
        if (!child->poll_exit(0))
            out.push_back(ProcessInfo{child->name, child->pid, child->daemon});
    }
    return out;
}

int cpu_count() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
    long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<int>(n) : 1;
}

const std::string& authkey() {
    return detail::session().authkey;
}

}  // namespace mpact
