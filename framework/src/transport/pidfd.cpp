#include <mpact/internal/pidfd.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace mpact::detail {

int open_pidfd(pid_t pid) noexcept {
    if (pid <= 0) return -1;
    long fd = ::syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -1 : static_cast<int>(fd);
}

bool pidfd_ended(int pidfd) noexcept {
    pollfd p{pidfd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
}

bool process_running(pid_t pid) noexcept {
    int fd = open_pidfd(pid);
    if (fd < 0) {
        // Only ESRCH says the process is gone; out of descriptors (EMFILE) or an old kernel
        // must not make a live peer look dead, so ask kill(0) instead.
        if (errno == ESRCH) return false;
        return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
    }
    bool running = !pidfd_ended(fd);
    ::close(fd);
    return running;
}

pid_t pid_of_endpoint(std::string_view endpoint) noexcept {
    if (!endpoint.starts_with("ipc://")) return 0;
    auto slash = endpoint.rfind('/');
    auto digits = endpoint.substr(slash + 1);
    pid_t pid = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
    if (ec != std::errc{} || ptr != digits.data() + digits.size()) return 0;
    return pid;
}

}  // namespace mpact::detail
