// The forkserver (Python 3.14's default start method): a single-threaded process, started by
// exec so it inherits no threads, that forks children on request. Each child gets its own
// stream socket from the parent (passed with SCM_RIGHTS, together with the descriptors its
// arguments hand over, e.g. a Connection): the bootstrap comes in on it, the child's pid goes
// back at once, and its exit status when it ends — so that socket is the child's sentinel,
// as in Python.
#include <mpact/codec.hpp>
#include <mpact/errors.hpp>
#include <mpact/internal/session.hpp>

#include "process/bootstrap.hpp"

#include <fcntl.h>
#include <poll.h>
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
};
Client& client() {
    static Client c;
    return c;
}

void start_server(Client& c) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
        throw ProcessError("socketpair failed: cannot start the forkserver");
    }
    std::string exe_arg0 = "mpact-forkserver";
    std::string role = "--mpact-role=forkserver";
    std::string fd_arg = "--mpact-bootstrap-fd=" + std::to_string(pair[1]);
    char* argv[] = {exe_arg0.data(), role.data(), fd_arg.data(), nullptr};
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
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) throw ProcessError("fork failed: cannot start the forkserver");
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // dies with the thread that started it
        if (::getppid() != parent) ::_exit(1);
        ::fcntl(pair[1], F_SETFD, 0);
        ::execv("/proc/self/exe", argv);
        ::_exit(127);
    }
    ::close(pair[1]);
    if (!write_frame(pair[0], boot)) throw ProcessError("the forkserver did not start");
    c.server = pid;
    c.control = pair[0];
}

}  // namespace

ForkserverChild forkserver_start(const Bootstrap& boot, const std::vector<int>& handed) {
    if (handed.size() + 1 > max_fds) {
        throw ValueError("a Process can hand at most " + std::to_string(max_fds - 1) +
                         " descriptors (Connections) to a forkserver child");
    }
    auto& c = client();
    std::lock_guard lock(c.mutex);
    if (c.control < 0) start_server(c);
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
        throw ProcessError("socketpair failed");
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
        throw ProcessError("the forkserver did not start the child");
    }
    int pid = 0;
    std::memcpy(&pid, pid_bytes.data(), sizeof pid);
    return ForkserverChild{pid, pair[0]};
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
