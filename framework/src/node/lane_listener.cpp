#include "node/lane_listener.hpp"

#include <mpact/internal/adaptive_spin.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/node.hpp>

#include "node/mailbox.hpp"
#include "transport/descriptor_budget.hpp"
#include "transport/lane.hpp"
#include "wire/envelope.hpp"

#include <boost/asio/post.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace mpact::detail {

namespace {
// Frames read from one lane per turn before yielding to timers and other work.
constexpr int kTurnBudget = 256;
// Requests a turn may wait for by spinning before it gives the other work its turn.
constexpr int kSpinsPerTurn = 16;
constexpr std::string_view kIdentityPrefix{"\0lane", 5};
// How long the listener waits before it looks again when no descriptor is left at all.
constexpr auto kAcceptPause = std::chrono::milliseconds(100);

std::string identity_of(std::uint64_t id) {
    std::string identity(kIdentityPrefix);
    identity.append(reinterpret_cast<const char*>(&id), sizeof(id));
    return identity;
}
}  // namespace

struct LaneListener::Lane {
    Lane(boost::asio::io_context& io, int fd, std::uint64_t lane_id)
        : socket(io, fd), identity(identity_of(lane_id)), id(lane_id) {}
    boost::asio::posix::stream_descriptor socket;
    std::string identity;
    std::uint64_t id;
    std::string hello;  // until it is whole
    bool admitted = false;
    LaneInput input;
    AdaptiveSpin spin;  // waiting for this lane's next request before sleeping
    std::string out;    // what the socket did not take yet
    bool writing = false;
    bool closed = false;
};

LaneListener::LaneListener(Node& node, const std::string& endpoint) : node_(node) {
    if (!lanes_enabled()) return;
    path_ = lane_path(endpoint);
    if (path_.empty()) return;
    // The listener and its spare descriptor come out of the budget libzmq shares; without
    // room for them this node has no lane and every peer uses the mailbox.
    if (!descriptors_to_spare(2)) return;
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    spare_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    ::unlink(path_.c_str());  // a stale socket of an earlier process with this pid
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(fd_, 128) != 0) {
        ::close(fd_);
        fd_ = -1;  // no lane: every peer uses the mailbox
        return;
    }
    acceptor_ = std::make_unique<boost::asio::posix::stream_descriptor>(node.io(), fd_);
}

LaneListener::~LaneListener() {
    close();
}

bool LaneListener::is_lane_identity(std::string_view identity) noexcept {
    return identity.size() == kIdentityPrefix.size() + sizeof(std::uint64_t) &&
           identity.starts_with(kIdentityPrefix);
}

void LaneListener::start() {
    if (acceptor_) arm_accept();
}

void LaneListener::close() noexcept {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    if (pause_) pause_->cancel();
    if (spare_ >= 0) ::close(spare_);
    spare_ = -1;
    if (acceptor_) {
        acceptor_->close(ignored);
        acceptor_.reset();
        ::unlink(path_.c_str());
    }
    auto lanes = std::move(lanes_);
    lanes_.clear();
    for (auto& [id, lane] : lanes) {
        lane->closed = true;
        lane->socket.close(ignored);
    }
}

void LaneListener::arm_accept() {
    acceptor_->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [this](const boost::system::error_code& ec) {
                              if (!ec && !closed_) accept_ready();
                          });
}

void LaneListener::accept_ready() {
    auto& counters = node_.counters();
    while (true) {
        int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EMFILE && errno != ENFILE) break;  // EAGAIN: all taken
            // No descriptor at all: refuse the lane rather than leave it in the backlog
            // (the listener would stay readable and this thread would spin). The spare
            // descriptor makes room for the one accept that closes it.
            if (spare_ >= 0) {
                ::close(spare_);
                int refused = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
                if (refused >= 0) {
                    ::close(refused);
                    ++counters.lanes_refused;
                    ++counters.lanes_no_descriptors;
                }
                spare_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (refused >= 0 && spare_ >= 0) continue;
            }
            pause_accepting();  // not even the spare: look again later
            return;
        }
        // Another thread took the spare's slot while it was out: take it back when there is room.
        if (spare_ < 0) spare_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        // Accepting must not eat the reserve kept for libzmq's own accepts (it aborts on
        // EMFILE): below it, the lane is refused and the peer stays on ZeroMQ.
        if (!descriptors_to_spare(0)) {
            ::close(fd);
            ++counters.lanes_refused;
            ++counters.lanes_no_descriptors;
            continue;
        }
        admit(fd);
    }
    arm_accept();
}

void LaneListener::pause_accepting() {
    if (!pause_) pause_ = std::make_unique<boost::asio::steady_timer>(node_.io());
    pause_->expires_after(kAcceptPause);
    pause_->async_wait([this](const boost::system::error_code& ec) {
        if (!ec && !closed_) accept_ready();
    });
}

void LaneListener::admit(int fd) {
    auto& counters = node_.counters();
    // Only this user, and only a process of this network namespace (the socket's path is
    // reachable from another namespace through the filesystem; a lane must not be).
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != ::geteuid() ||
        !same_network_namespace(cred.pid)) {
        ++counters.lanes_refused;
        ::close(fd);
        return;
    }
    auto lane = std::make_shared<Lane>(node_.io(), fd, ++next_id_);
    lanes_.emplace(lane->id, lane);
    read_ready(lane);
}

void LaneListener::arm_read(const std::shared_ptr<Lane>& lane) {
    lane->socket.async_wait(
        boost::asio::posix::stream_descriptor::wait_read,
        [this, weak = std::weak_ptr<Lane>(lane)](const boost::system::error_code& ec) {
            auto alive = weak.lock();
            if (!ec && alive && !alive->closed) read_ready(alive);
        });
}

void LaneListener::read_ready(const std::shared_ptr<Lane>& lane) {
    auto& counters = node_.counters();
    const int fd = lane->socket.native_handle();
    if (!lane->admitted) {
        char buf[kLaneHelloSize];
        const auto want = kLaneHelloSize - lane->hello.size();
        ssize_t n = ::recv(fd, buf, want, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            arm_read(lane);
            return;
        }
        if (n <= 0) {
            drop(lane);
            return;
        }
        lane->hello.append(buf, static_cast<std::size_t>(n));
        if (lane->hello.size() < kLaneHelloSize) {
            arm_read(lane);
            return;
        }
        if (!lane_hello_matches(lane->hello)) {
            ++counters.lanes_refused;
            ++counters.malformed;
            drop(lane);
            return;
        }
        const char ack = kLaneAccept;
        if (::send(fd, &ack, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1) {
            drop(lane);
            return;
        }
        lane->admitted = true;
        ++counters.lanes_accepted;
    }
    int frames = 0;
    int spins = 0;
    while (!lane->closed) {
        LaneInput::Frame frame;
        auto next = lane->input.next(frame, node_.max_message_size());
        if (next == LaneInput::Next::bad) {
            // Not lane frames: nothing after this can be trusted to be in step. The lane
            // goes; its peer (if it is a node) falls back to the mailbox.
            ++counters.malformed;
            drop(lane);
            break;
        }
        if (next == LaneInput::Next::frame) {
            ++counters.lane_received;
            if (frame.oversized) {
                ++counters.oversized;
                continue;
            }
            auto header = decode_header(frame.header);
            if (!header) {
                ++counters.malformed;
            } else if (header->kind == Kind::batch) {
                node_.dispatch_batch(*header, frame.payload);
            } else {
                node_.dispatch(lane->identity, std::move(*header), frame.payload);
            }
            if (++frames >= kTurnBudget) {
                boost::asio::post(node_.io(), [this, weak = std::weak_ptr<Lane>(lane)] {
                    auto alive = weak.lock();
                    if (alive && !alive->closed) read_ready(alive);
                });
                break;
            }
            continue;
        }
        auto n = lane->input.read_from(fd);
        if (n > 0) continue;
        if (n == 0) {
            drop(lane);  // the peer closed (or died): what it wrote was read first
            break;
        }
        // A requester that got its answer often asks again at once: waiting for that
        // briefly (adaptively, as the requester does) saves this thread a sleep and a
        // wake-up per round trip. Only after a turn that served something.
        // At most kSpinsPerTurn per turn: the mailbox, other lanes and timers wait meanwhile.
        if (frames > 0 && spins < kSpinsPerTurn &&
            lane->spin.wait_readable(fd, default_spin(), std::nullopt)) {
            ++spins;
            continue;
        }
        arm_read(lane);
        break;
    }
    // As after any turn of the mailbox: serve what the handlers' sends made ready and let
    // the actors' batched sends leave.
    node_.mailbox().drain();
}

void LaneListener::send(std::string_view identity, const std::string& header, std::string payload) {
    if (closed_ || !is_lane_identity(identity)) return;
    std::uint64_t id = 0;
    std::memcpy(&id, identity.data() + kIdentityPrefix.size(), sizeof(id));
    auto it = lanes_.find(id);
    if (it == lanes_.end()) return;  // the requester's lane closed: nobody is left to tell
    auto lane = it->second;
    ++node_.counters().lane_sent;
    if (!lane->out.empty()) {
        lane->out += lane_prefix(header.size(), payload.size());
        lane->out += header;
        lane->out += payload;
        return;
    }
    if (!lane_write(lane->socket.native_handle(), header, payload, false, &lane->out)) {
        drop(lane);
        return;
    }
    if (!lane->out.empty()) arm_write(lane);
}

void LaneListener::arm_write(const std::shared_ptr<Lane>& lane) {
    if (lane->writing) return;
    lane->writing = true;
    lane->socket.async_wait(
        boost::asio::posix::stream_descriptor::wait_write,
        [this, weak = std::weak_ptr<Lane>(lane)](const boost::system::error_code& ec) {
            auto alive = weak.lock();
            if (!alive) return;
            alive->writing = false;
            if (ec || alive->closed) return;
            if (!lane_write_raw(alive->socket.native_handle(), alive->out, false)) {
                drop(alive);
            } else if (!alive->out.empty()) {
                arm_write(alive);
            }
        });
}

void LaneListener::drop(const std::shared_ptr<Lane>& lane) noexcept {
    if (lane->closed) return;
    lane->closed = true;
    if (lane->admitted) ++node_.counters().lanes_closed;
    boost::system::error_code ignored;
    lane->socket.close(ignored);
    lanes_.erase(lane->id);
}

}  // namespace mpact::detail
