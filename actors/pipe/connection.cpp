// mpact::Connection: frames (protocol.hpp) over one end of a Unix socketpair, with blocking
// I/O on the caller's thread and poll() for timeouts, after a short adaptive busy-poll
// (PipeOptions::spin).
#include <mpact/descriptors.hpp>
#include <mpact/internal/adaptive_spin.hpp>
#include <mpact/internal/fd_io.hpp>
#include <mpact/internal/this_pid.hpp>
#include <mpact/node.hpp>
#include <mpact/pipe.hpp>

#include "protocol.hpp"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace mpact {

namespace proto = detail::pipe_protocol;
namespace pyproto = detail::python_protocol;

namespace detail {

constexpr std::size_t huge_page = kHugePage;

struct ConnectionState {
    int fd = -1;
    bool readable = false;
    bool writable = false;
    Duration spin{0};        // busy-poll budget of a receive that has to wait (0: never spin)
    AdaptiveSpin spinner;    // its adaptive backoff
    pid_t sent_by = 0;       // the process that last sent on this end: only it marks end-of-stream
    bool send_torn = false;  // a timed send gave up mid-message: the stream's write side ended
    bool eof = false;
    Framing framing = Framing::mpact;
    std::optional<std::uint32_t>
        pending;              // header read, payload still queued (too long for the caller)
    std::string broken;       // why reading is impossible now (framing lost)
    std::string handed_over;  // why this end is closed here: a child holds it (ValueError)

    ConnectionState(int f, bool r, bool w, Duration s, Framing fr)
        : fd(f), readable(r), writable(w), spin(s), framing(fr) {}
    ConnectionState(const ConnectionState&) = delete;
    ConnectionState& operator=(const ConnectionState&) = delete;
    ~ConnectionState() { close(); }
    void close() noexcept;
    // The busy-poll (PipeOptions::spin), adaptive: true if `fd` became readable while spinning.
    bool spin_until_readable(MaybeDeadline deadline);
};

namespace {

// Waits until `fd` has `events` or the deadline passes; false on timeout.
bool wait_for(int fd, short events, MaybeDeadline deadline) {
    const int r = poll_until(fd, events, deadline);
    if (r < 0) throw ProcessError(std::string("poll failed: ") + std::strerror(errno));
    return r > 0;
}

enum class ReadResult { done, eof_at_start, eof_inside };

// Reads exactly `size` bytes, blocking; EOF (or a reset by a dead peer) is reported, not thrown.
ReadResult read_exact(int fd, char* data, std::size_t size) {
    std::size_t got = 0;
    while (got < size) {
        ssize_t n = ::read(fd, data + got, size - got);
        if (n > 0) {
            got += static_cast<std::size_t>(n);
        } else if (n == 0 || errno == ECONNRESET) {
            return got == 0 ? ReadResult::eof_at_start : ReadResult::eof_inside;
        } else if (errno != EINTR) {
            throw ProcessError(std::string("pipe read failed: ") + std::strerror(errno));
        }
    }
    return ReadResult::done;
}

enum class WriteResult { done, peer_gone, timed_out };

// Writes every byte of `parts` (partial writes and EINTR resumed, IOV_MAX parts at a time):
// done, peer_gone (the other end is gone) or timed_out (`deadline` passed while the socket
// stayed full; `written` tells how far it got). Without a deadline it blocks in sendmsg.
WriteResult write_parts(int fd, std::vector<iovec>& parts, MaybeDeadline deadline,
                        std::size_t& written) {
    const int flags = MSG_NOSIGNAL | (deadline ? MSG_DONTWAIT : 0);
    written = 0;
    std::size_t first = 0;
    while (first < parts.size()) {
        msghdr msg{};
        msg.msg_iov = parts.data() + first;
        msg.msg_iovlen = std::min<std::size_t>(parts.size() - first, IOV_MAX);
        ssize_t n = ::sendmsg(fd, &msg, flags);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EPIPE || errno == ECONNRESET) return WriteResult::peer_gone;
            if (errno == EAGAIN && deadline) {
                // Tried first: POLLOUT comes only below a quarter of the send buffer, while
                // a write may fit well before that (a hundred unread small messages hid the
                // room close()'s 9-byte end mark still had).
                if (!wait_for(fd, POLLOUT, deadline)) return WriteResult::timed_out;
                continue;
            }
            throw ProcessError(std::string("pipe write failed: ") + std::strerror(errno));
        }
        written += static_cast<std::size_t>(n);
        auto left = static_cast<std::size_t>(n);
        while (first < parts.size() && left >= parts[first].iov_len) {
            left -= parts[first].iov_len;
            ++first;
        }
        if (left > 0) {
            parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + left;
            parts[first].iov_len -= left;
        }
    }
    return WriteResult::done;
}

}  // namespace

// A spin that runs out pays nothing and costs a core: the peer is slower than the budget, or
// it waits for this very core (on a busy 2-core VM both processes often share one, and a
// 20 us spin then made each hop 20 us slower: 46 us round trips against 6 without spinning).
// So AdaptiveSpin makes the next 1, 2, 4 ... 1024 receives after a miss skip the spin. The
// cap keeps the probing spins of a losing streak under 0.1% of receives (at 64 they showed
// in the p99: 27 us against 10).
bool ConnectionState::spin_until_readable(MaybeDeadline deadline) {
    return spinner.wait_readable(fd, spin, deadline);
}

void ConnectionState::close() noexcept {
    if (fd < 0) return;
    // Python's framing has no end mark: its peers see EOF when the stream ends.
    if (writable && sent_by == this_pid() && framing == Framing::mpact) {
        // End-of-stream after our last message, even if a forked sibling still holds the
        // descriptor. Bounded: a peer that does not read gets kernel EOF instead.
        unsigned char mark[proto::header_size];
        proto::encode(proto::Header{proto::Kind::close, 0}, mark);
        try {
            std::vector<iovec> parts{iovec{mark, sizeof mark}};
            std::size_t written = 0;
            static_cast<void>(
                write_parts(fd, parts, deadline_after(std::chrono::seconds(1)), written));
        } catch (...) {
        }
    }
    ::close(fd);
    fd = -1;
}

void FrameFree::operator()(char* p) const noexcept {
    if (region.mapped != 0) {
        release_region(region);
    } else {
        delete[] p;
    }
}

// Large payloads go to storage the process recycles (huge pages, no fresh faults when warm).
Frame allocate_frame(std::size_t size) {
    if (size >= huge_page) {
        Region region = acquire_region(size);
        return Frame{std::unique_ptr<char, FrameFree>(region.data, FrameFree{region}), size};
    }
    return Frame{
        std::unique_ptr<char, FrameFree>(new char[std::max<std::size_t>(size, 1)], FrameFree{}),
        size};
}

msgpack::object_handle unpack_frame(const Frame& frame) {
    const auto limit = detail::msgpack_limits(DecodeLimits{}, frame.size);
    // Strings and binaries point into the frame (no copy); the caller converts at once.
    auto reference_all = [](msgpack::type::object_type, std::size_t, void*) { return true; };
    try {
        std::size_t offset = 0;
        auto handle =
            msgpack::unpack(frame.data.get(), frame.size, offset, reference_all, nullptr, limit);
        if (offset != frame.size) {
            throw ProtocolError(
                "recv: trailing bytes after the message (was it sent with "
                "send_bytes? read it with recv_bytes)");
        }
        return handle;
    } catch (const ProtocolError&) {
        throw;
    } catch (const std::exception& e) {
        throw ProtocolError(std::string("recv: the message is not msgpack (") + e.what() +
                            "; was it sent with send_bytes? read it with recv_bytes)");
    }
}

}  // namespace detail

Connection::Connection(int fd, bool readable, bool writable, Duration spin, Framing framing)
    : state_(std::make_shared<detail::ConnectionState>(fd, readable, writable, spin, framing)) {}

Connection Connection::adopt(int fd, AdoptOptions options) {
    if (fd < 0)
        throw ValueError("Connection::adopt: not a descriptor (" + std::to_string(fd) + ")");
    const Duration spin = std::max(options.spin.value_or(default_spin()), Duration::zero());
    try {
        return Connection(fd, true, true, spin, options.framing);
    } catch (...) {
        ::close(fd);
        throw;
    }
}

Framing Connection::framing() const noexcept {
    return state_ ? state_->framing : Framing::mpact;
}

detail::ConnectionState& Connection::state() const {
    if (state_ && !state_->handed_over.empty()) throw ValueError(state_->handed_over);
    if (!state_ || state_->fd < 0) throw ValueError("handle is closed");
    return *state_;
}

void Connection::send_iov(const iovec* parts, std::size_t count, MaybeDeadline deadline) {
    auto& s = state();
    if (!s.writable) throw ValueError("connection is read-only");
    if (s.send_torn) {
        throw EOFError(
            "send: an earlier send timed out in the middle of its message, and this "
            "end stopped sending there");
    }
    std::size_t total = 0;
    for (std::size_t i = 0; i < count; ++i) total += parts[i].iov_len;
    if (total > proto::max_payload) {
        throw ValueError("message of " + std::to_string(total) +
                         " bytes exceeds the pipe's limit of " +
                         std::to_string(proto::max_payload));
    }
    unsigned char header[pyproto::long_header];
    std::size_t header_size = proto::header_size;
    if (s.framing == Framing::python) {
        header_size = pyproto::encode(total, header);
    } else {
        unsigned char own[proto::header_size];
        proto::encode(proto::Header{proto::Kind::data, static_cast<std::uint32_t>(total)}, own);
        std::memcpy(header, own, sizeof own);
    }
    std::vector<iovec> all;
    all.reserve(count + 1);
    all.push_back(iovec{header, header_size});
    all.insert(all.end(), parts, parts + count);
    s.sent_by = detail::this_pid();
    std::size_t written = 0;
    switch (detail::write_parts(s.fd, all, deadline, written)) {
        case detail::WriteResult::done:
            return;
        case detail::WriteResult::peer_gone:
            throw EOFError("send: the other end of the pipe is closed (Python: BrokenPipeError)");
        case detail::WriteResult::timed_out:
            break;
    }
    if (written == 0) throw TimeoutError("send: the pipe stayed full for the whole timeout");
    // Part of the message is in the stream and the rest cannot follow in time. Ending the
    // stream here turns the torn message into EOFError for the reader (as a writer that dies
    // mid-message does) instead of a wait for bytes that never come.
    ::shutdown(s.fd, SHUT_WR);
    s.send_torn = true;
    throw TimeoutError(
        "send: the pipe stayed full in the middle of the message; this end can "
        "send no more (the peer gets EOFError after the messages before it)");
}

void Connection::send_bytes(std::string_view buffer, std::size_t offset,
                            std::optional<std::size_t> size) {
    send_range(buffer, offset, size, std::nullopt);
}

void Connection::send_bytes(Duration timeout, std::string_view buffer, std::size_t offset,
                            std::optional<std::size_t> size) {
    send_range(buffer, offset, size, deadline_after(timeout));
}

void Connection::send_range(std::string_view buffer, std::size_t offset,
                            std::optional<std::size_t> size, MaybeDeadline deadline) {
    if (offset > buffer.size()) throw ValueError("buffer length < offset");
    std::size_t n = size.value_or(buffer.size() - offset);
    if (n > buffer.size() - offset) throw ValueError("buffer length < offset + size");
    iovec part{const_cast<char*>(buffer.data() + offset), n};
    send_iov(&part, 1, deadline);
}

std::uint32_t Connection::begin_message(MaybeDeadline deadline, std::size_t maxlength) {
    auto& s = state();
    if (!s.readable) throw ValueError("connection is write-only");
    if (!s.broken.empty()) throw ProtocolError(s.broken);
    if (s.eof) throw EOFError("the other end of the pipe was closed");
    if (!s.pending) {
        bool ready = s.spin_until_readable(deadline);
        if (!ready && deadline && !detail::wait_for(s.fd, POLLIN, deadline)) {
            throw TimeoutError("recv: no message within the timeout");
        }
        if (s.framing == Framing::python) {
            s.pending = read_python_header(s);
        } else {
            s.pending = read_mpact_header(s);
        }
    }
    if (*s.pending > maxlength) {
        throw ProtocolError("message of " + std::to_string(*s.pending) + " bytes is longer than " +
                            std::to_string(maxlength) + "; it stays queued (bad message length)");
    }
    return *s.pending;
}

namespace {

void read_header_bytes(detail::ConnectionState& s, unsigned char* raw, std::size_t size,
                       bool first) {
    auto r = detail::read_exact(s.fd, reinterpret_cast<char*>(raw), size);
    if (r != detail::ReadResult::done) {
        s.eof = true;
        throw EOFError(r == detail::ReadResult::eof_at_start && first
                           ? "the other end of the pipe was closed"
                           : "the other end of the pipe died in the middle of a message");
    }
}

}  // namespace

std::uint32_t Connection::read_python_header(detail::ConnectionState& s) {
    unsigned char raw[pyproto::long_header];
    read_header_bytes(s, raw, pyproto::short_header, true);
    std::uint64_t length = pyproto::big_endian(raw, 4);
    if (length == pyproto::long_marker) {
        read_header_bytes(s, raw + 4, 8, false);
        length = pyproto::big_endian(raw + 4, 8);
    } else if (length > pyproto::short_max) {
        s.broken = "recv: negative message length on the connection; the stream cannot be read on";
        throw ProtocolError(s.broken);
    }
    // Our messages stop at the pipe's limit (2 GiB); a longer one cannot be skipped either.
    if (length > proto::max_payload) {
        s.broken = "recv: message of " + std::to_string(length) + " bytes exceeds the limit of " +
                   std::to_string(proto::max_payload) + "; the stream cannot be read on";
        throw ProtocolError(s.broken);
    }
    return static_cast<std::uint32_t>(length);
}

std::uint32_t Connection::read_mpact_header(detail::ConnectionState& s) {
    {
        unsigned char raw[proto::header_size];
        read_header_bytes(s, raw, sizeof raw, true);
        auto header = proto::decode(raw);
        if (!header) {
            s.broken = "recv: malformed frame header on the pipe; the stream cannot be read on";
            throw ProtocolError(s.broken);
        }
        if (header->kind == proto::Kind::close) {
            s.eof = true;
            throw EOFError("the other end of the pipe was closed");
        }
        return header->length;
    }
}

void Connection::finish_message(char* data, std::uint32_t length) {
    auto& s = state();
    auto r = detail::read_exact(s.fd, data, length);
    s.pending.reset();
    if (r != detail::ReadResult::done) {
        s.eof = true;
        throw EOFError("the other end of the pipe died in the middle of a message");
    }
}

detail::Frame Connection::receive_frame(MaybeDeadline deadline, const detail::BytesSink* sink) {
    auto length = begin_message(deadline, limit_none);
    unsigned char prefix[5];
    std::size_t have = 0;
    if (sink != nullptr && length >= detail::huge_page) {
        // One str32/bin32 filling the whole payload: its body goes straight to the sink.
        auto& s = state();
        auto r = detail::read_exact(s.fd, reinterpret_cast<char*>(prefix), sizeof prefix);
        if (r != detail::ReadResult::done) {
            s.pending.reset();
            s.eof = true;
            throw EOFError("the other end of the pipe died in the middle of a message");
        }
        have = sizeof prefix;
        std::uint32_t body = 0;
        for (int i = 1; i < 5; ++i) body = (body << 8) | prefix[i];
        if ((prefix[0] == 0xc6 || prefix[0] == 0xdb) && body == length - sizeof prefix) {
            finish_message(sink->place(sink->target, body), body);
            return detail::Frame{};
        }
    }
    detail::Frame frame = detail::allocate_frame(length);
    std::memcpy(frame.data.get(), prefix, have);
    finish_message(frame.data.get() + have, static_cast<std::uint32_t>(length - have));
    return frame;
}

bool Connection::poll(Duration timeout) {
    auto& s = state();
    if (!s.readable) throw ValueError("connection is write-only");
    if (s.eof || s.pending || !s.broken.empty()) return true;
    auto deadline = deadline_after(timeout);
    if (timeout > Duration::zero() && s.spin_until_readable(deadline)) {
        return true;
    }
    return detail::wait_for(s.fd, POLLIN, deadline);
}

std::string Connection::recv_bytes() {
    return recv_bytes(limit_none);
}

std::string Connection::recv_bytes(std::size_t maxlength) {
    return read_bytes(std::nullopt, maxlength);
}

std::string Connection::recv_bytes(Duration timeout, std::optional<std::size_t> maxlength) {
    return read_bytes(deadline_after(timeout), maxlength.value_or(limit_none));
}

std::string Connection::read_bytes(MaybeDeadline deadline, std::size_t maxlength) {
    try {
        auto length = begin_message(deadline, maxlength);
        std::string bytes;
        finish_message(detail::place_bytes<std::string>(&bytes, length), length);
        return bytes;
    } catch (const ProtocolError&) {
        detail::count_refused();
        throw;
    }
}

std::size_t Connection::recv_bytes_into(std::span<char> buffer, std::size_t offset) {
    return read_into(std::nullopt, buffer, offset);
}

std::size_t Connection::recv_bytes_into(Duration timeout, std::span<char> buffer,
                                        std::size_t offset) {
    return read_into(deadline_after(timeout), buffer, offset);
}

std::size_t Connection::read_into(MaybeDeadline deadline, std::span<char> buffer,
                                  std::size_t offset) {
    if (offset > buffer.size()) throw ValueError("offset is larger than the buffer");
    std::size_t room = buffer.size() - offset;
    std::uint32_t length = 0;
    try {
        length = begin_message(deadline, room);
    } catch (const ProtocolError&) {
        auto& s = state();
        if (!s.pending) {
            detail::count_refused();
            throw;
        }
        throw ValueError("recv_bytes_into: message of " + std::to_string(*s.pending) +
                         " bytes does not fit in " + std::to_string(room) +
                         " bytes; it stays queued (Python: BufferTooShort)");
    }
    finish_message(buffer.data() + offset, length);
    return length;
}

void Connection::close() noexcept {
    if (state_) state_->close();
}

bool Connection::closed() const noexcept {
    return !state_ || state_->fd < 0;
}
bool Connection::readable() const noexcept {
    return state_ && state_->readable;
}
bool Connection::writable() const noexcept {
    return state_ && state_->writable;
}
int Connection::fileno() const {
    return state().fd;
}
Sentinel Connection::sentinel() const {
    return Sentinel{state().fd};
}
Duration Connection::spin() const noexcept {
    return state_ ? state_->spin : Duration::zero();
}

Connection::Wire Connection::export_to_child() const {
    auto& s = state();
    Wire wire{export_descriptor(s.fd, "mpact::Connection"), s.readable, s.writable, s.spin.count(),
              s.framing};
    s.sent_by = 0;  // the child speaks on this end now: our close() must not end its stream
    hand_over_at_start();
    return wire;
}

// While the parent holds a copy of the end it gave a child, the child's death cannot reach
// the other end: the kernel's EOF needs every copy closed, and a recv there waited forever
// (issue #12, fault 9). So once the child has started, the parent's copy is closed, every
// handle of it, and remembers why.
void Connection::hand_over_at_start() const {
    if (keep_) return;
    static_cast<void>(state());  // ValueError if closed or handed over already
    std::weak_ptr<detail::ConnectionState> weak = state_;
    on_handed_over([weak](const HandedOver& child) {
        auto s = weak.lock();
        if (!s || s->fd < 0) return;
        s->sent_by = 0;  // no end-of-stream mark: the stream is the child's now
        s->close();
        s->handed_over = "this Connection was handed over to " + child.process + " (pid " +
                         std::to_string(child.pid) +
                         ") when it started, so this process closed its copy (then the "
                         "child's death reaches the other end as EOFError); pass "
                         "mpact::keep(connection) to the Process to keep using it here";
    });
}

Connection keep(Connection c) {
    c.keep_ = true;
    return c;
}

Connection Connection::import_from_parent(const Wire& wire) {
    // A negative budget from the wire means "never spin", as in pipe().
    const Duration spin{wire.spin_ns > 0 ? wire.spin_ns : 0};
    return Connection(import_descriptor(wire.index), wire.readable, wire.writable, spin,
                      wire.framing);
}

}  // namespace mpact
