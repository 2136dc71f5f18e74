#include "transport/lane.hpp"

#include <mpact/internal/node.hpp>

#include "transport/descriptor_budget.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace mpact::detail {

namespace {

std::atomic<int> g_lanes{-1};  // -1: not decided yet (MPACT_LANE decides)

void put_le(char* out, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

std::uint64_t get_le(const char* in, int bytes) {
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) {
        value |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[i])) << (8 * i);
    }
    return value;
}

bool namespace_id(const std::string& path, struct stat& st) noexcept {
    return ::stat(path.c_str(), &st) == 0;
}

// Writes the iovecs; see lane_write.
bool write_parts(int fd, iovec* parts, int count, bool blocking, std::string* rest) {
    int first = 0;
    while (first < count) {
        msghdr msg{};
        msg.msg_iov = parts + first;
        msg.msg_iovlen = static_cast<std::size_t>(count - first);
        ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | (blocking ? 0 : MSG_DONTWAIT));
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN && !blocking) break;
            return false;  // EPIPE, ECONNRESET: the peer is gone
        }
        auto left = static_cast<std::size_t>(n);
        while (first < count && left >= parts[first].iov_len) {
            left -= parts[first].iov_len;
            ++first;
        }
        if (left > 0) {
            parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + left;
            parts[first].iov_len -= left;
        }
    }
    if (rest != nullptr) {
        rest->clear();
        for (int i = first; i < count; ++i) {
            rest->append(static_cast<const char*>(parts[i].iov_base), parts[i].iov_len);
        }
    }
    return true;
}

}  // namespace

bool lanes_enabled() noexcept {
    int on = g_lanes.load(std::memory_order_relaxed);
    if (on < 0) {
        const char* env = std::getenv("MPACT_LANE");
        on = (env != nullptr && std::strcmp(env, "0") == 0) ? 0 : 1;
        g_lanes.store(on, std::memory_order_relaxed);
    }
    return on == 1;
}

void set_lanes_enabled(bool on) noexcept {
    g_lanes.store(on ? 1 : 0);
}

std::string lane_path(std::string_view endpoint) {
    if (!endpoint.starts_with("ipc://")) return {};
    std::string path(endpoint.substr(6));
    path += ".lane";
    if (path.size() >= sizeof(sockaddr_un::sun_path)) return {};
    return path;
}

const std::string& boot_id() {
    // Not a function-local static: its guard, held by a thread of the parent that was reading
    // the file when another thread forked, stays held in the child for ever (a forked child
    // hung in __cxa_guard_acquire on its first lane). A plain atomic pointer: a child forked
    // mid-read reads the file again; two racing readers leak one string.
    static std::atomic<const std::string*> id{nullptr};
    if (const auto* known = id.load(std::memory_order_acquire)) return *known;
    auto* s = new std::string();  // never destroyed: read at exit too
    {
        std::ifstream in("/proc/sys/kernel/random/boot_id");
        std::getline(in, *s);
    }
    const std::string* expected = nullptr;
    if (!id.compare_exchange_strong(expected, s, std::memory_order_acq_rel)) {
        delete s;
        return *expected;
    }
    return *s;
}

std::string lane_hello() {
    std::string hello = "mpact-lane/1\n" + boot_id();
    hello.resize(kLaneHelloSize, '\0');
    return hello;
}

bool lane_hello_matches(std::string_view hello) noexcept {
    try {
        return hello.size() == kLaneHelloSize && !boot_id().empty() && hello == lane_hello();
    } catch (...) {
        return false;
    }
}

bool same_network_namespace(pid_t pid) noexcept {
    try {
        struct stat mine {};
        struct stat theirs {};
        if (!namespace_id("/proc/self/ns/net", mine)) return false;
        if (!namespace_id("/proc/" + std::to_string(pid) + "/ns/net", theirs)) return false;
        return mine.st_dev == theirs.st_dev && mine.st_ino == theirs.st_ino;
    } catch (...) {
        return false;
    }
}

bool descriptors_to_spare(int needed) noexcept {
    try {
        check_descriptors("open a lane", needed);
        return true;
    } catch (...) {
        return false;
    }
}

int lane_connect(std::string_view endpoint, pid_t pid) noexcept {
    try {
        if (!lanes_enabled() || pid <= 0 || !same_network_namespace(pid)) return -1;
        auto path = lane_path(endpoint);
        if (path.empty()) return -1;
        // A lane is a convenience: it never takes a descriptor from the reserve libzmq's
        // accepts need (the link stays on ZeroMQ and tries again later).
        if (!descriptors_to_spare(1)) {
            if (auto* node = Node::peek()) ++node->counters().lanes_no_descriptors;
            return -1;
        }
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return -1;
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
        auto hello = lane_hello();
        // A Unix connect completes at once or fails (EAGAIN: the backlog is full; try later).
        if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
            ::send(fd, hello.data(), hello.size(), MSG_NOSIGNAL) !=
                static_cast<ssize_t>(hello.size())) {
            ::close(fd);
            return -1;
        }
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        return fd;
    } catch (...) {
        return -1;
    }
}

LaneAck lane_poll_ack(int fd) noexcept {
    char byte = 0;
    ssize_t n = ::recv(fd, &byte, 1, MSG_DONTWAIT);
    if (n == 1) return byte == kLaneAccept ? LaneAck::accepted : LaneAck::refused;
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return LaneAck::pending;
    return LaneAck::refused;  // closed by the peer: refused, or its node is gone
}

std::string lane_prefix(std::size_t header_size, std::size_t payload_size) {
    std::string prefix(kLanePrefix, '\0');
    put_le(prefix.data(), kLaneMagic, 4);
    put_le(prefix.data() + 4, header_size, 4);
    put_le(prefix.data() + 8, payload_size, 8);
    return prefix;
}

bool lane_write(int fd, std::string_view header, std::string_view payload, bool blocking,
                std::string* rest) {
    char prefix[kLanePrefix];
    put_le(prefix, kLaneMagic, 4);
    put_le(prefix + 4, header.size(), 4);
    put_le(prefix + 8, payload.size(), 8);
    iovec parts[3] = {{prefix, kLanePrefix},
                      {const_cast<char*>(header.data()), header.size()},
                      {const_cast<char*>(payload.data()), payload.size()}};
    return write_parts(fd, parts, 3, blocking, rest);
}

bool lane_write_raw(int fd, std::string& bytes, bool blocking) {
    if (bytes.empty()) return true;
    std::string data = std::move(bytes);
    iovec part{data.data(), data.size()};
    return write_parts(fd, &part, 1, blocking, &bytes);
}

ssize_t LaneInput::read_from(int fd) {
    if (start_ > 0 && (start_ == buf_.size() || start_ > buf_.size() / 2)) {
        buf_.erase(0, start_);
        start_ = 0;
    }
    // Room for the frame being assembled, at least 64 KiB.
    std::size_t room = 64 * 1024;
    if (want_ > buf_.size() - start_)
        room = std::max<std::size_t>(room, want_ - (buf_.size() - start_));
    const auto old = buf_.size();
    buf_.resize(old + room);
    ssize_t n;
    do {
        n = ::recv(fd, buf_.data() + old, room, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    buf_.resize(old + static_cast<std::size_t>(n > 0 ? n : 0));
    if (n > 0) return n;
    if (n == 0) return 0;
    return (errno == EAGAIN) ? -1 : 0;  // a reset counts as the end
}

LaneInput::Next LaneInput::next(Frame& out, std::uint64_t max_message_size) {
    if (skip_ > 0) {
        auto drop = std::min<std::uint64_t>(skip_, buf_.size() - start_);
        start_ += drop;
        skip_ -= drop;
        if (skip_ > 0) return Next::more;
    }
    const std::size_t have = buf_.size() - start_;
    if (have < kLanePrefix) return Next::more;
    const char* p = buf_.data() + start_;
    if (get_le(p, 4) != kLaneMagic) return Next::bad;
    const auto header_size = get_le(p + 4, 4);
    const auto payload_size = get_le(p + 8, 8);
    if (header_size > kLaneMaxHeader) return Next::bad;
    const std::uint64_t total = kLanePrefix + header_size + payload_size;
    if (header_size + payload_size > max_message_size) {
        // Counted and thrown away as it arrives; the stream stays in step.
        start_ += kLanePrefix;
        skip_ = header_size + payload_size;
        want_ = 0;
        out = Frame{{}, {}, true};
        return Next::frame;
    }
    if (have < total) {
        want_ = total;
        return Next::more;
    }
    want_ = 0;
    out.header = std::string_view(p + kLanePrefix, header_size);
    out.payload = std::string_view(p + kLanePrefix + header_size, payload_size);
    out.oversized = false;
    start_ += total;
    return Next::frame;
}

}  // namespace mpact::detail
