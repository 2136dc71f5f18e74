#include "net/tcp_guard.hpp"

#include <mpact/errors.hpp>

#include <chrono>
#include <cstring>
#include <vector>

namespace mpact::detail {

namespace {
constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
constexpr const char* kMonitorEndpoint = "inproc://mpact.mailbox.monitor";
// How long the thread sleeps in one poll: the bound on the node's shutdown wait for it.
constexpr auto kPollSlice = std::chrono::milliseconds(50);
constexpr int kRefusalEvents = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
}  // namespace

TcpGuard::TcpGuard(zmq::context_t& context, std::string client_public_key,
                   std::atomic<std::uint64_t>& refused)
    : client_public_(32, '\0'),
      refused_(refused),
      zap_(context, zmq::socket_type::rep),
      monitor_(context, zmq::socket_type::pair) {
    if (client_public_key.size() != 40 ||
        zmq_z85_decode(reinterpret_cast<std::uint8_t*>(client_public_.data()),
                       client_public_key.c_str()) == nullptr) {
        throw AuthenticationError("the CURVE client key is not a 40-character Z85 key");
    }
    zap_.set(zmq::sockopt::linger, 0);
    zap_.bind(kZapEndpoint);
    monitor_.set(zmq::sockopt::linger, 0);
}

TcpGuard::~TcpGuard() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

void TcpGuard::watch(zmq::socket_t& socket) {
    if (zmq_socket_monitor(socket.handle(), kMonitorEndpoint, kRefusalEvents) != 0) {
        throw zmq::error_t();
    }
    monitor_.connect(kMonitorEndpoint);
    monitoring_ = true;
    if (!thread_.joinable()) thread_ = std::thread([this] { serve(); });
}

void TcpGuard::serve() {
    zmq::pollitem_t items[2] = {{zap_.handle(), 0, ZMQ_POLLIN, 0},
                                {monitor_.handle(), 0, ZMQ_POLLIN, 0}};
    while (!stop_.load()) {
        try {
            zmq::poll(items, monitoring_ ? 2 : 1, kPollSlice);
            if ((items[0].revents & ZMQ_POLLIN) != 0) answer_zap();
            if ((items[1].revents & ZMQ_POLLIN) != 0) read_monitor();
        } catch (const zmq::error_t&) {
            // EINTR; a malformed ZAP exchange is libzmq's own, and never ours to crash on.
        }
    }
}

void TcpGuard::answer_zap() {
    // RFC 27: version, request id, domain, address, identity, mechanism, credentials...
    std::vector<zmq::message_t> request;
    bool more = true;
    while (more && request.size() < 16) {
        zmq::message_t frame;
        if (!zap_.recv(frame, zmq::recv_flags::dontwait)) return;
        more = frame.more();
        request.push_back(std::move(frame));
    }
    while (more) {  // more frames than any mechanism sends: drain them, refuse below
        zmq::message_t frame;
        if (!zap_.recv(frame, zmq::recv_flags::dontwait)) break;
        more = frame.more();
    }
    const bool well_formed = request.size() >= 6 && request[0].to_string_view() == "1.0";
    const bool admitted = well_formed && request.size() == 7 &&
                          request[5].to_string_view() == "CURVE" &&
                          request[6].to_string_view() == client_public_;
    // A refusal is counted by the monitor's HANDSHAKE_FAILED_AUTH, not here (once each).
    std::string id = well_formed ? request[1].to_string() : std::string();
    zap_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
    zap_.send(zmq::buffer(id), zmq::send_flags::sndmore);
    zap_.send(admitted ? zmq::str_buffer("200") : zmq::str_buffer("400"), zmq::send_flags::sndmore);
    zap_.send(admitted ? zmq::str_buffer("OK") : zmq::str_buffer("not this session's key"),
              zmq::send_flags::sndmore);
    zap_.send(zmq::str_buffer(""), zmq::send_flags::sndmore);  // user id
    zap_.send(zmq::str_buffer(""), zmq::send_flags::none);     // metadata
}

void TcpGuard::read_monitor() {
    while (true) {
        zmq::message_t event;
        if (!monitor_.recv(event, zmq::recv_flags::dontwait)) return;
        bool more = event.more();
        while (more) {  // the endpoint frame
            zmq::message_t rest;
            if (!monitor_.recv(rest, zmq::recv_flags::dontwait)) break;
            more = rest.more();
        }
        if (event.size() >= 2) {
            std::uint16_t id = 0;
            std::memcpy(&id, event.data(), sizeof(id));
            if ((id & kRefusalEvents) != 0) refused_.fetch_add(1);
        }
    }
}

}  // namespace mpact::detail
