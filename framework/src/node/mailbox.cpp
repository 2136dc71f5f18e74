#include "node/mailbox.hpp"

#include <mpact/internal/node.hpp>

#include "net/curve_keys.hpp"
#include "net/tcp_guard.hpp"
#include "node/lane_listener.hpp"
#include "transport/descriptor_budget.hpp"
#include "transport/link.hpp"
#include "wire/envelope.hpp"

#include <boost/asio/post.hpp>

namespace mpact::detail {

namespace {
// Messages read per wake-up before yielding to timers and posted work.
constexpr int kDrainBatch = 256;
// Frames of a well-formed message: routing identity, header, payload.
constexpr int kFrames = 3;
}  // namespace

Mailbox::Mailbox(Node& node, zmq::context_t& context, const std::string& endpoint)
    : node_(node),
      // The mailbox costs a socket, its listener and the readiness descriptor.
      router_(open_socket(context, zmq::socket_type::router, "start this process's mpact node", 4)),
      readiness_(node.io()) {
    configure_socket(router_);
    // Unroutable replies (the requester is gone) fail the send instead of vanishing silently.
    router_.set(zmq::sockopt::router_mandatory, true);
    router_.bind(endpoint);
    readiness_.assign(router_.get(zmq::sockopt::fd));
}

std::string Mailbox::listen_tcp(const std::string& address, TcpGuard* guard,
                                std::uint64_t max_bytes) {
    // libzmq copies a socket's options into each listener when it binds: the ipc endpoint,
    // bound before, stays a plain (NULL mechanism) listener with its hot path unchanged.
    router_.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(max_bytes));
    if (guard != nullptr) {
        auto keys = session_curve_keys();
        guard->watch(router_);
        router_.set(zmq::sockopt::zap_domain, "mpact");
        router_.set(zmq::sockopt::curve_server, true);
        router_.set(zmq::sockopt::curve_secretkey, keys.server_secret);
    }
    try {
        router_.bind(address);
    } catch (const zmq::error_t& e) {
        throw OSError("cannot listen at " + address + ": " + e.what(), e.num());
    }
    return router_.get(zmq::sockopt::last_endpoint);
}

Mailbox::~Mailbox() {
    close();
}

void Mailbox::close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    readiness_.cancel(ignored);
    static_cast<void>(readiness_.release());  // the descriptor belongs to libzmq
    router_.close();
}

void Mailbox::arm() {
    if (armed_ || closed_) return;
    armed_ = true;
    readiness_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [this](const boost::system::error_code& ec) {
                              armed_ = false;
                              if (!ec) drain();
                          });
}

void Mailbox::drain() {
    if (closed_) return;
    for (int i = 0; i < kDrainBatch; ++i) {
        if (closed_) return;
        if (receive_one()) continue;
        // Nothing was ready. ZMQ_EVENTS is asked only now, once per turn rather than once per
        // message: each ask costs libzmq a poll() and a getpid() system call.
        if ((router_.get(zmq::sockopt::events) & ZMQ_POLLIN) == 0) {
            // Going idle: what the actors sent leaves now rather than at the flusher's tick.
            flush_actor_sends();
            arm();
            return;
        }
    }
    boost::asio::post(node_.io(), [this] { drain(); });
}

bool Mailbox::receive_one() {
    zmq::message_t frames[kFrames];
    int count = 0;
    std::size_t bytes = 0;
    bool more = true;
    while (more) {
        zmq::message_t frame;
        // Frames of one message arrive together: only the first can find nothing ready.
        if (!router_.recv(frame, zmq::recv_flags::dontwait)) return count != 0;
        more = frame.more();
        bytes += frame.size();
        if (count < kFrames) frames[count] = std::move(frame);
        ++count;
    }
    auto& counters = node_.counters();
    ++counters.received;
    if (bytes > node_.max_message_size()) {
        ++counters.oversized;
        return true;
    }
    if (count != kFrames) {
        ++counters.malformed;
        return true;
    }
    auto header = decode_header(frames[1].to_string_view());
    if (!header) {
        ++counters.malformed;
        return true;
    }
    if (header->kind == Kind::batch) {
        node_.dispatch_batch(*header, frames[2].to_string_view());
    } else {
        node_.dispatch(frames[0].to_string(), std::move(*header), frames[2].to_string_view());
    }
    return true;
}

void Mailbox::flush_actor_sends() noexcept {
    try {
        LinkCache::for_this_thread().flush_all();
    } catch (...) {
        // A peer's socket refused: one-way messages are unconfirmed; the loop goes on.
    }
}

void Mailbox::send_routed(const std::string& identity, const std::string& header,
                          std::string payload) {
    if (closed_) return;
    // A reply never overtakes what the replying actor sent before it (a requester may next
    // ask the actor that those messages went to).
    flush_actor_sends();
    if (LaneListener::is_lane_identity(identity)) {
        // The request came by a lane: the reply goes back on it.
        node_.lanes().send(identity, header, std::move(payload));
        return;
    }
    try {
        ++node_.counters().zmq_sent;
        router_.send(zmq::buffer(identity), zmq::send_flags::sndmore);
        router_.send(zmq::buffer(header), zmq::send_flags::sndmore);
        router_.send(make_message(std::move(payload)), zmq::send_flags::none);
    } catch (const zmq::error_t&) {
        // EHOSTUNREACH: the requester's socket is gone; nobody is left to tell.
    }
}

}  // namespace mpact::detail
