// mpact::Listener / mpact::Client: stream sockets (AF_UNIX or TCP) wrapped as Connections in
// Python's framing, with Python's authkey handshake (auth.cpp). No actor: like the Pipe, a
// connection is a direct socket between the two processes.
#include <mpact/detail/connection_auth.hpp>
#include <mpact/internal/fd_io.hpp>
#include <mpact/listener.hpp>

#include "address.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace mpact {

namespace {

// Waits for `events` on `fd` until `deadline` (forever if unset); false on timeout.
bool wait_fd(int fd, short events, MaybeDeadline deadline) {
    const int r = detail::poll_until(fd, events, deadline);
    if (r < 0) detail::net::throw_os("poll", errno);
    return r > 0;
}

// Small messages are the common case (a request, a reply): send each at once.
void no_delay(int fd, int family) {
    if (family != AF_INET) return;
    int one = 1;
    static_cast<void>(::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
}

}  // namespace

struct Listener::State {
    int fd = -1;
    int family = AF_UNIX;
    std::string address;
    std::string unlink_path;  // the socket file we made, removed at close
    pid_t owner = 0;          // only the process that bound it removes it
    std::optional<std::string> last_accepted;
    ListenerOptions options;

    ~State() { close(); }
    void close() noexcept {
        if (fd < 0) return;
        ::close(fd);
        fd = -1;
        if (!unlink_path.empty() && owner == ::getpid()) ::unlink(unlink_path.c_str());
    }
    void open(const detail::net::Endpoint& e, const std::string& text);
    Connection accept(MaybeDeadline deadline);
};

void Listener::State::open(const detail::net::Endpoint& e, const std::string& text) {
    family = e.family;
    fd = ::socket(e.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) detail::net::throw_os("Listener: socket", errno);
    if (e.family == AF_INET) {
        // As Python on POSIX: a restarted server rebinds while old connections linger.
        int one = 1;
        static_cast<void>(::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    }
    if (::bind(fd, e.addr(), e.length) != 0) {
        int error = errno;
        close();
        detail::net::throw_os("Listener: bind " + text, error);
    }
    if (e.family == AF_UNIX && !e.path.empty() && e.path.front() != '\0') {
        unlink_path = e.path;
        owner = ::getpid();
    }
    if (::listen(fd, options.backlog) != 0) {
        int error = errno;
        close();
        detail::net::throw_os("Listener: listen " + text, error);
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) == 0) {
        address = detail::net::describe(reinterpret_cast<sockaddr*>(&bound), length);
    } else {
        address = text;
    }
}

Connection Listener::State::accept(MaybeDeadline deadline) {
    if (fd < 0) throw OSError("listener is closed");
    int client = -1;
    sockaddr_storage peer{};
    socklen_t length = 0;
    while (client < 0) {
        if (!wait_fd(fd, POLLIN, deadline)) {
            throw TimeoutError("accept: no client connected within the timeout");
        }
        length = sizeof peer;
        client = ::accept4(fd, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
        if (client < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
            errno != ECONNABORTED) {
            detail::net::throw_os("accept", errno);
        }
    }
    no_delay(client, family);
    Connection c = Connection::adopt(client, {.framing = Framing::python, .spin = options.spin});
    last_accepted = detail::net::describe(reinterpret_cast<sockaddr*>(&peer), length);
    if (options.authkey) {
        auto handshake = deadline_after(options.handshake_timeout);
        try {
            detail::auth::deliver_challenge(c, *options.authkey, handshake);
            detail::auth::answer_challenge(c, *options.authkey, handshake);
        } catch (...) {
            c.close();
            throw;
        }
    }
    return c;
}

Listener::Listener(const std::string& address, ListenerOptions options)
    : state_(std::make_unique<State>()) {
    state_->options = std::move(options);
    const std::string text = address.empty() ? detail::net::fresh_unix_path() : address;
    state_->open(detail::net::parse(text), text);
}

Listener::Listener(const std::string& host, std::uint16_t port, ListenerOptions options)
    : state_(std::make_unique<State>()) {
    state_->options = std::move(options);
    state_->open(detail::net::inet(host, port), "tcp://" + host + ":" + std::to_string(port));
}

Listener::Listener(Listener&&) noexcept = default;
Listener& Listener::operator=(Listener&&) noexcept = default;
Listener::~Listener() = default;

Connection Listener::accept() {
    if (!state_) throw OSError("listener is closed");
    return state_->accept(std::nullopt);
}

Connection Listener::accept(Duration timeout) {
    if (!state_) throw OSError("listener is closed");
    return state_->accept(deadline_after(timeout));
}

void Listener::close() noexcept {
    if (state_) state_->close();
}

bool Listener::closed() const noexcept {
    return !state_ || state_->fd < 0;
}

const std::string& Listener::address() const noexcept {
    static const std::string none;
    return state_ ? state_->address : none;
}

const std::optional<std::string>& Listener::last_accepted() const noexcept {
    static const std::optional<std::string> none;
    return state_ ? state_->last_accepted : none;
}

Sentinel Listener::sentinel() const {
    if (closed()) throw ValueError("listener is closed");
    return Sentinel{state_->fd};
}

namespace {

// Connects within `deadline`; a full AF_UNIX backlog (EAGAIN) is retried until then.
int connect_to(const detail::net::Endpoint& e, const std::string& text, Deadline deadline) {
    while (true) {
        int fd = ::socket(e.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) detail::net::throw_os("Client: socket", errno);
        int rc = ::connect(fd, e.addr(), e.length);
        int error = rc == 0 ? 0 : errno;
        if (error == EINPROGRESS) {
            if (!wait_fd(fd, POLLOUT, deadline)) {
                ::close(fd);
                throw TimeoutError("Client: connect to " + text + " timed out");
            }
            socklen_t len = sizeof error;
            if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0) error = errno;
        }
        if (error == 0) {
            int flags = ::fcntl(fd, F_GETFL);
            static_cast<void>(::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK));
            return fd;
        }
        ::close(fd);
        if (error != EAGAIN && error != EINTR) {
            detail::net::throw_os("Client: connect to " + text, error);
        }
        if (remaining(deadline) <= Duration::zero()) {
            throw TimeoutError("Client: " + text + " stayed busy (backlog full) until the timeout");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

Connection client(const detail::net::Endpoint& e, const std::string& text,
                  const ClientOptions& options) {
    auto deadline = deadline_after(options.timeout);
    int fd = connect_to(e, text, deadline);
    no_delay(fd, e.family);
    Connection c = Connection::adopt(fd, {.framing = Framing::python, .spin = options.spin});
    if (options.authkey) {
        try {
            detail::auth::answer_challenge(c, *options.authkey, deadline);
            detail::auth::deliver_challenge(c, *options.authkey, deadline);
        } catch (...) {
            c.close();
            throw;
        }
    }
    return c;
}

}  // namespace

Connection Client(const std::string& address, ClientOptions options) {
    return client(detail::net::parse(address), address, options);
}

Connection Client(const std::string& host, std::uint16_t port, ClientOptions options) {
    return client(detail::net::inet(host, port), "tcp://" + host + ":" + std::to_string(port),
                  options);
}

}  // namespace mpact
