#include "transport/link.hpp"

#include <mpact/internal/actor_host.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/internal/pidfd.hpp>

#include "net/curve_keys.hpp"
#include "transport/descriptor_budget.hpp"
#include "transport/tail_flusher.hpp"
#include "wire/envelope.hpp"

#include <unistd.h>

namespace mpact::detail {

namespace {
// How long a thread that ends waits for its peers to confirm its last one-way messages.
constexpr auto kSettleAtExit = std::chrono::seconds(2);
}  // namespace

zmq::message_t make_message(std::string payload) {
    // Large payloads are handed to libzmq without a copy; small ones are cheaper to copy
    // than to free from libzmq's I/O thread.
    constexpr std::size_t kZeroCopyFrom = 8 * 1024;
    if (payload.size() < kZeroCopyFrom) return zmq::message_t(payload.data(), payload.size());
    auto* owned = new std::string(std::move(payload));
    return zmq::message_t(
        owned->data(), owned->size(),
        [](void*, void* hint) { delete static_cast<std::string*>(hint); }, owned);
}

void configure_socket(zmq::socket_t& socket) {
    // Unbounded high-water marks: a HWM would drop (ROUTER) or block (DEALER) silently;
    // flow control is the protocols' job (credits, bounded queues), where it can be seen.
    socket.set(zmq::sockopt::sndhwm, 0);
    socket.set(zmq::sockopt::rcvhwm, 0);
    // Closing never blocks for long; delivery that matters is acknowledged (design §9.1).
    socket.set(zmq::sockopt::linger, 200);
    socket.set(zmq::sockopt::reconnect_ivl, 10);
}

Link::Link(zmq::context_t& ctx, std::string ep, TailFlusher* flusher, bool lane, bool io_owner)
    // A link costs a socket (its mailbox's eventfd), the connection and a pidfd.
    : socket(open_socket(ctx, zmq::socket_type::dealer, "connect to " + ep, 3)),
      pid(pid_of_endpoint(ep)),
      endpoint(std::move(ep)),
      io_owner_(io_owner),
      flusher_(flusher) {
    configure_socket(socket);
    if (endpoint.starts_with("tcp://")) {
        // A remote node: CURVE from the session authkey, its frames capped at our limit.
        auto* node = Node::peek();
        configure_tcp_client(socket,
                             node != nullptr ? node->max_message_size() : std::uint64_t{1} << 31);
    }
    socket.connect(endpoint);
    if (pid != 0 && pid != ::getpid()) pidfd = open_pidfd(pid);
    // A user thread's link to this process's own mailbox too: its requests to an actor here
    // took the ZeroMQ path, ~70 us a round trip against ~8 us by lane (a Lock used in the
    // process that created it). Never the I/O thread's: it would write to itself.
    const bool own_mailbox = pid != 0 && pid == ::getpid() && !io_owner;
    lane_allowed_ = lane && flusher != nullptr && (pidfd >= 0 || own_mailbox) && lanes_enabled();
}

Link::~Link() {
    if (pidfd >= 0) ::close(pidfd);
    close_lane();
}

bool Link::send(const std::string& header, std::string payload, bool unordered) {
    std::lock_guard lock(mutex_);
    flush_locked();
    send_locked(header, std::move(payload), unordered, !io_owner_ && !unordered);
    last_sent_ = Clock::now();
    return lane_state_ == LaneState::active;
}

bool Link::send_oneway(const OneWay& message, std::string payload) {
    unsettled = true;
    std::lock_guard lock(mutex_);
    // The runtime's own messages (stop, ping, monitor) and large payloads travel alone.
    const bool batchable = flusher_ != nullptr && payload.size() <= kMaxBatchedMessage &&
                           !message.type.starts_with("mpact.");
    // One batch carries one sending node (from_endpoint); a user thread sends none.
    if (!batch_.empty() && !message.from_endpoint.empty() &&
        message.from_endpoint != batch_from_endpoint_ && !batch_from_endpoint_.empty()) {
        flush_locked();
    }
    // The clock is read when a batch may start, and every kAgeCheckEvery messages of an
    // open one (the TailFlusher bounds the age in between): it was 12% of a send's cost.
    const bool read_clock = batch_.empty() || batch_.messages() % kAgeCheckEvery == 0;
    const auto now = read_clock ? Clock::now() : batch_started_;
    if (!batchable || (batch_.empty() && now - last_sent_ >= kQuiet)) {
        // The first message of a burst (or one that cannot wait) goes out at once.
        flush_locked();
        Header h;
        h.kind = Kind::send;
        h.to = message.to;
        h.from_endpoint = message.from_endpoint;
        h.from_name = message.from_name;
        h.type = message.type;
        send_locked(encode_header(h), std::move(payload));
        last_sent_ = read_clock ? now : Clock::now();
        return false;
    }
    const bool opened = batch_.empty();
    if (opened) {
        batch_started_ = now;
        if (!watched_) {
            watched_ = true;
            flusher_->watch(weak_from_this());
        }
    }
    if (batch_from_endpoint_.empty()) batch_from_endpoint_.assign(message.from_endpoint);
    batch_.add(message.to, message.from_name, message.type, payload);
    if (batch_.bytes() >= kMaxBatchBytes || now - batch_started_ >= kMaxHold) flush_locked();
    return opened;
}

void Link::flush() {
    std::lock_guard lock(mutex_);
    flush_locked();
}

bool Link::try_flush_tail() noexcept {
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return false;
    watched_ = false;
    // The I/O thread must never block on a lane (two nodes writing to each other would
    // wait for each other): what the socket does not take now waits for the next tick.
    lane_nonblocking_ = true;
    try {
        promote_if_synced();
        if (lane_state_ == LaneState::active && !lane_write_raw(lane_fd_, lane_out_, false)) {
            // The owner's next write finds the lane gone and closes it (an I/O thread's
            // link is this thread's own: closed now).
            if (io_owner_) close_lane();
            lane_out_.clear();
        }
        flush_locked();
    } catch (...) {
        static_cast<void>(batch_.take());  // nobody is left to tell: one-way, unconfirmed
    }
    lane_nonblocking_ = false;
    return lane_out_.empty();
}

bool Link::settle(std::uint64_t corr, Clock::time_point deadline) noexcept {
    try {
        Header h;
        h.kind = Kind::request;
        h.corr = corr;
        h.type = kSyncType;
        if (send(encode_header(h), pack(msgpack::type::nil_t{}))) {
            std::string head, body;
            while (true) {
                auto got = await_lane(head, body, deadline);
                if (got != LaneWait::frame) return false;
                auto reply = decode_header(head);
                if (reply && reply->corr == corr) {
                    unsettled = false;
                    return true;
                }
            }
        }
        zmq::pollitem_t items[2] = {{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0},
                                    {nullptr, pidfd, ZMQ_POLLIN, 0}};
        const int count = pidfd >= 0 ? 2 : 1;
        while (Clock::now() < deadline) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            zmq::poll(items, count, left);
            if ((items[0].revents & ZMQ_POLLIN) != 0) {
                zmq::message_t head;
                if (!socket.recv(head, zmq::recv_flags::dontwait)) continue;
                bool more = head.more();
                while (more) {  // the payload does not matter: any answer confirms
                    zmq::message_t rest;
                    if (!socket.recv(rest, zmq::recv_flags::dontwait)) break;
                    more = rest.more();
                }
                auto reply = decode_header(head.to_string_view());
                if (reply && reply->corr == corr) {
                    unsettled = false;
                    zmq_answered();
                    return true;
                }
            }
            if (count == 2 && (items[1].revents & ZMQ_POLLIN) != 0) return false;  // peer ended
        }
    } catch (...) {
    }
    return false;
}

void Link::flush_locked() {
    if (batch_.empty()) return;
    Header h;
    h.kind = Kind::batch;
    h.from_endpoint = std::move(batch_from_endpoint_);
    batch_from_endpoint_.clear();
    send_locked(encode_header(h), batch_.take());
    last_sent_ = Clock::now();
}

void Link::send_locked(const std::string& header, std::string payload, bool unordered,
                       bool awaits) {
    if (lane_allowed_ && lane_state_ != LaneState::active) {
        if (lane_state_ == LaneState::syncing) {
            promote_if_synced();
        } else {
            consider_lane(awaits);
        }
    }
    if (lane_state_ == LaneState::syncing) {
        if (unordered) {
            send_zmq(header, std::move(payload));
            return;
        }
        if (!awaits && !abandon_sync_if_hopeless()) {
            held_.emplace_back(header, std::move(payload));
            return;
        }
        // The caller waits for the answer on this link, and a held request would wait for
        // the sync: everything goes through ZeroMQ, and the answer makes the next switch.
        if (lane_state_ == LaneState::syncing) release_held();
    }
    if (lane_state_ == LaneState::active && send_on_lane(header, payload)) return;
    send_zmq(header, std::move(payload));
}

void Link::send_zmq(const std::string& header, std::string payload) {
    zmq_in_flight_.store(true, std::memory_order_relaxed);
    if (auto* node = Node::peek()) ++node->counters().zmq_sent;
    socket.send(zmq::buffer(header), zmq::send_flags::sndmore);
    socket.send(make_message(std::move(payload)), zmq::send_flags::none);
}

LinkCache& LinkCache::for_this_thread() {
    thread_local LinkCache cache;
    auto generation = Node::generation();
    if (cache.generation_ != generation) {
        cache.forget();
        cache.generation_ = generation;
        cache.pid_ = ::getpid();
    }
    return cache;
}

LinkCache::~LinkCache() {
    // Thread exit: what this thread sent leaves now, and is confirmed by its receivers
    // (closing a socket can lose what was just sent, design §9.1), within a bound.
    auto* node = Node::peek();
    if (generation_ == Node::generation() && node != nullptr && !node->on_io_thread()) {
        settle_all(Link::Clock::now() + kSettleAtExit);
    } else {
        forget();
    }
}

void LinkCache::forget() noexcept {
    if (pid_ == ::getpid()) {
        // The node shut down (exit): the context lives on, so the links can still send
        // what they hold and close.
        const auto deadline = Link::Clock::now() + kSettleAtExit;
        for (auto& [endpoint, link] : links_) link->finish(deadline);
    } else {
        // After a fork the inherited sockets belong to the parent's context: leak them
        // rather than close them from a process whose libzmq threads do not exist.
        for (auto& [endpoint, link] : links_) {
            static_cast<void>(new std::shared_ptr<Link>(std::move(link)));
        }
    }
    links_.clear();
    open_batches_.clear();
    last_ = nullptr;
}

Link& LinkCache::get(const std::string& endpoint) {
    if (last_ != nullptr && last_->endpoint == endpoint) return *last_;
    auto it = links_.find(endpoint);
    if (it == links_.end()) {
        auto& node = Node::get();
        auto link = std::make_shared<Link>(node.context(), endpoint, &node.tail_flusher(), true,
                                           node.on_io_thread());
        it = links_.emplace(endpoint, std::move(link)).first;
    }
    last_ = it->second.get();
    return *last_;
}

void LinkCache::drop(const std::string& endpoint) {
    auto it = links_.find(endpoint);
    if (it == links_.end()) return;
    if (last_ == it->second.get()) last_ = nullptr;
    it->second->socket.set(zmq::sockopt::linger, 0);
    links_.erase(it);
}

void LinkCache::send_oneway(const std::string& endpoint, const OneWay& message,
                            std::string payload) {
    auto& link = get(endpoint);
    if (link.send_oneway(message, std::move(payload))) {
        open_batches_.push_back(link.weak_from_this());
    }
}

void LinkCache::flush_all() {
    auto open = std::move(open_batches_);
    open_batches_.clear();
    for (auto& weak : open) {
        if (auto link = weak.lock()) link->flush();
    }
}

void settle_before_exit() noexcept {
    try {
        LinkCache::for_this_thread().settle_all(Link::Clock::now() + kSettleAtExit);
        if (auto* node = Node::peek()) node->tail_flusher().flush_all();
    } catch (...) {
    }
}

void LinkCache::settle_all(Link::Clock::time_point deadline) noexcept {
    for (auto& [endpoint, link] : links_) {
        try {
            link->flush();
        } catch (...) {
        }
    }
    for (auto& [endpoint, link] : links_) {
        if (link->unsettled) static_cast<void>(link->settle(next_corr(), deadline));
    }
}

}  // namespace mpact::detail
