#include <mpact/internal/fd_io.hpp>

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

namespace mpact::detail {

namespace {
// Blocks SIGPIPE on this thread while it lives, and takes back a SIGPIPE its writes raised:
// a reader that died (a spawned child killed before it read its bootstrap) must cost the
// writer an error, not the user's whole program.
class NoSigpipe {
  public:
    NoSigpipe() noexcept {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        sigset_t pending;
        sigpending(&pending);
        was_pending_ = sigismember(&pending, SIGPIPE) == 1;
        blocked_ = ::pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
    }
    ~NoSigpipe() {
        if (!blocked_) return;
        sigset_t pending;
        if (raised_ && !was_pending_ && sigpending(&pending) == 0 &&
            sigismember(&pending, SIGPIPE) == 1) {
            const timespec none{0, 0};
            static_cast<void>(sigtimedwait(&pipe_, nullptr, &none));
        }
        ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
    }
    NoSigpipe(const NoSigpipe&) = delete;
    NoSigpipe& operator=(const NoSigpipe&) = delete;
    void raised() noexcept { raised_ = true; }

  private:
    sigset_t pipe_{};
    sigset_t old_{};
    bool was_pending_ = false;
    bool blocked_ = false;
    bool raised_ = false;
};
}  // namespace

bool write_all(int fd, const char* data, std::size_t size) {
    NoSigpipe guard;
    while (size > 0) {
        auto n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EPIPE) guard.raised();
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool read_all(int fd, char* data, std::size_t size) {
    while (size > 0) {
        auto n = ::read(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

int poll_until(int fd, short events, std::optional<Deadline> deadline) {
    pollfd p{fd, events, 0};
    while (true) {
        int ms = -1;
        if (deadline) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(remaining(*deadline));
            ms = static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
        }
        int r = ::poll(&p, 1, ms);
        if (r > 0) return 1;
        if (r == 0) return 0;
        if (errno != EINTR) return -1;
    }
}

}  // namespace mpact::detail
