// The forkserver (Python 3.14's default start method): a single-threaded process, started by
// exec so it inherits no threads, that forks children on request. Each child gets its own
// stream socket from the parent (passed with SCM_RIGHTS, together with the descriptors its
// arguments hand over, e.g. a Connection): the bootstrap comes in on it, the child's pid goes
// back at once, and its exit status when it ends — so that socket is the child's sentinel,
// as in Python.
#include <mpact/codec.hpp>
#include <mpact/errors.hpp>
#include <mpact/internal/pidfd.hpp>
#include <mpact/internal/session.hpp>

#include "process/bootstrap.hpp"
#include "process/child_role.hpp"
#include "process/launcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <vector>

namespace mpact::detail {

namespace {

std::string int_bytes(int v) {
    return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

// At most this many descriptors travel with one start request (the child's status socket
// and what its arguments hand over); Linux's SCM_MAX_FD is 253.
constexpr std::size_t max_fds = 250;

// Receives one start request: the child's status socket first, then the handed descriptors.
// Empty with `gone` set when the parent has gone.
std::vector<int> receive_fds(int control, bool& gone) {
    char byte = 0;
    iovec iov{&byte, 1};
    alignas(cmsghdr) char buf[CMSG_SPACE(sizeof(int) * max_fds)];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = buf;
    msg.msg_controllen = sizeof buf;
    gone = false;
    std::vector<int> fds;
    ssize_t n;
    do {
        n = ::recvmsg(control, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        gone = true;
        return fds;
    }
    for (auto* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
        std::size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int fd = -1;
            std::memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof fd);
            fds.push_back(fd);
        }
    }
    if ((msg.msg_flags & MSG_CTRUNC) != 0) {  // a request we cannot honour whole
        for (int fd : fds) ::close(fd);
        fds.clear();
    }
    return fds;
}

bool send_fds(int control, const std::vector<int>& fds) {
    char byte = 'f';
    iovec iov{&byte, 1};
    std::vector<char> buf(CMSG_SPACE(sizeof(int) * fds.size()), 0);
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = buf.data();
    msg.msg_controllen = buf.size();
    auto* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
    ssize_t n;
    do {
        n = ::sendmsg(control, &msg, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n == 1;
}

struct Client {
    std::mutex mutex;
    pid_t server = 0;
    int control = -1;
    int pidfd = -1;  // the server's: readable once it has ended
};
Client& client() {
    static Client c;
    return c;
}

// A forked child (Process's fork, or the user's own) must not share its parent's server:
// its children would be the server's, not its own, and outlive it (issue #12, fault 3).
// The descriptors are the child's copies; closing them leaves the parent's server alone.
void forget_server_after_fork() noexcept {
    auto& c = client();
    new (&c.mutex) std::mutex();
    if (c.control >= 0) ::close(c.control);
    if (c.pidfd >= 0) ::close(c.pidfd);
    c.server = 0;
    c.control = c.pidfd = -1;
}

bool server_ended(const Client& c, int timeout_ms) {
    pollfd p{c.pidfd, POLLIN, 0};
    int r;
    do {
        r = ::poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    return r > 0;
}

// Forgets a server that has ended (and reaps it: it is our child).
void discard_server(Client& c) {
    if (c.control >= 0) ::close(c.control);
    if (c.pidfd >= 0) ::close(c.pidfd);
    if (c.server > 0) ::waitpid(c.server, nullptr, 0);
    c.server = 0;
    c.control = c.pidfd = -1;
}

void start_server(Client& c) {
    static const bool registered = [] {
        ::pthread_atfork(nullptr, nullptr, forget_server_after_fork);
        return true;
    }();
    static_cast<void>(registered);
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
        throw ProcessError("socketpair failed: cannot start the forkserver");
    }
    std::string exe_arg0 = "mpact-forkserver";
    std::string role = "--mpact-role=forkserver";
    std::string fd_arg = "--mpact-bootstrap-fd=" + std::to_string(pair[1]);
    char* argv[] = {exe_arg0.data(), role.data(), fd_arg.data(), nullptr};
    RoleEnvironment env("forkserver", pair[1]);
    const auto& s = session();
    std::string boot = pack(Bootstrap{s.dir,
                                      s.authkey,
                                      s.root_pid,
                                      {},
                                      {},
                                      "forkserver",
                                      {},
                                      false,
                                      static_cast<int>(::getpid()),
                                      {}});
    pid_t pid = -1;
    run_on_launcher([&] {  // so the server dies with this process, not with a thread
        pid_t parent = ::getpid();
        pid = ::fork();
        if (pid == 0) {  // async-signal-safe calls only until exec
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(1);
            ::fcntl(pair[1], F_SETFD, 0);
            env.stamp(::getpid());
            ::execve("/proc/self/exe", argv, env.envp());
            ::_exit(127);
        }
    });
    ::close(pair[1]);
    if (pid < 0) {
        ::close(pair[0]);
        throw ProcessError("fork failed: cannot start the forkserver");
    }
    c.server = pid;
    c.control = pair[0];
    c.pidfd = open_pidfd(pid);  // our unreaped child: cannot be a reused pid
    if (!write_frame(pair[0], boot)) {
        ::kill(pid, SIGKILL);
        discard_server(c);
        throw ProcessError("the forkserver did not start");
    }
}

// One start request to the server; the child's pid and sentinel, or nullopt on failure.
std::optional<ForkserverChild> request_child(Client& c, const Bootstrap& boot,
                                             const std::vector<int>& handed) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        throw ProcessError("socketpair failed: cannot ask the forkserver for a child");
    }
    std::vector<int> fds{pair[1]};
    fds.insert(fds.end(), handed.begin(), handed.end());
    bool ok = send_fds(c.control, fds);
    ::close(pair[1]);
    std::string pid_bytes;
    ok = ok && write_frame(pair[0], pack(boot)) && read_frame(pair[0], pid_bytes) &&
         pid_bytes.size() == sizeof(int);
    if (!ok) {
        ::close(pair[0]);
        return std::nullopt;
    }
    int pid = 0;
    std::memcpy(&pid, pid_bytes.data(), sizeof pid);
    return ForkserverChild{pid, pair[0]};
}

}  // namespace

ForkserverChild forkserver_start(const Bootstrap& boot, const std::vector<int>& handed) {
    if (handed.size() + 1 > max_fds) {
        throw ValueError("a Process can hand at most " + std::to_string(max_fds - 1) +
                         " descriptors (Connections) to a forkserver child");
    }
    auto& c = client();
    std::lock_guard lock(c.mutex);
    // A server that died (killed, or by a bug) is replaced: once before the request if it
    // is known dead, once more if the request failed because it died meanwhile. Its running
    // children died with it (they are its children: PR_SET_PDEATHSIG).
    if (c.control >= 0 && server_ended(c, 0)) discard_server(c);
    for (int attempt = 0;; ++attempt) {
        if (c.control < 0) start_server(c);
        if (auto child = request_child(c, boot, handed)) return *child;
        if (attempt > 0 || !server_ended(c, 2000)) {
            throw ProcessError("the forkserver did not start the child");
        }
        discard_server(c);
    }
}

void serve_forkserver(int control) {
    std::string bytes;
    if (!read_frame(control, bytes)) ::_exit(1);
    auto self = unpack<Bootstrap>(bytes);
    adopt_session(Session{self.session_dir, self.authkey, self.root_pid});
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &mask, nullptr);
    // A parent that died (or closed a sentinel) must not take the server down with SIGPIPE
    // when a child's status is written to it; children get the inherited disposition back.
    auto inherited_sigpipe = ::signal(SIGPIPE, SIG_IGN);
    // Ctrl-C reaches the whole process group: the server must outlive it while its parent
    // decides (as CPython's forkserver ignores SIGINT); children get the disposition back.
    auto inherited_sigint = ::signal(SIGINT, SIG_IGN);
    int sigfd = ::signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    std::map<pid_t, int> status_fd;  // child -> its sentinel socket
    while (true) {
        pollfd fds[2] = {{control, POLLIN, 0}, {sigfd, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) continue;
        if (fds[1].revents != 0) {
            signalfd_siginfo info;
            while (::read(sigfd, &info, sizeof info) > 0) {
            }
            int status = 0;
            pid_t pid;
            while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
                auto it = status_fd.find(pid);
                if (it == status_fd.end()) continue;
                int code = WIFEXITED(status)     ? WEXITSTATUS(status)
                           : WIFSIGNALED(status) ? -WTERMSIG(status)
                                                 : 1;
                static_cast<void>(write_frame(it->second, int_bytes(code)));
                ::close(it->second);
                status_fd.erase(it);
            }
        }
        if (fds[0].revents == 0) continue;
        bool gone = false;
        std::vector<int> received = receive_fds(control, gone);
        if (gone) ::_exit(0);  // the parent is gone: so are we (and, by PDEATHSIG, our children)
        if (received.empty()) continue;
        int fd = received.front();
        std::vector<int> handed(received.begin() + 1, received.end());
        std::string boot_bytes;
        if (!read_frame(fd, boot_bytes)) {
            for (int r : received) ::close(r);
            continue;
        }
        pid_t server = ::getpid();
        pid_t pid = ::fork();
        if (pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != server) ::_exit(1);
            ::sigprocmask(SIG_UNBLOCK, &mask, nullptr);
            ::signal(SIGPIPE, inherited_sigpipe);
            ::signal(SIGINT, inherited_sigint);
            ::close(control);
            ::close(sigfd);
            ::close(fd);
            for (auto& [p, other] : status_fd) ::close(other);
            Bootstrap boot;
            try {
                boot = unpack<Bootstrap>(boot_bytes);
            } catch (...) {
                ::_exit(1);
            }
            boot.fds = handed;  // the numbers they have here, in index order
            std::exit(run_bootstrapped(boot));
        }
        for (int h : handed) ::close(h);  // the child has them now
        if (pid < 0 || !write_frame(fd, int_bytes(pid))) {
            ::close(fd);
            continue;
        }
        status_fd[pid] = fd;
    }
}

}  // namespace mpact::detail
