#pragma once
// Mailbox: this process's ROUTER socket, served on the I/O thread. Boost.Asio waits on the
// socket's ZMQ_FD; since that descriptor is edge-like (it signals "look at ZMQ_EVENTS"),
// every operation on the socket is followed by a drain() that reads all that is ready.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <zmq.hpp>

#include <string>

namespace mpact::detail {

class Node;
class TcpGuard;

class Mailbox {
  public:
    Mailbox(Node& node, zmq::context_t& context, const std::string& endpoint);
    ~Mailbox();
    Mailbox(const Mailbox&) = delete;
    Mailbox& operator=(const Mailbox&) = delete;

    // Binds `address` (tcp://host:port) too, as a CURVE server whose handshakes `guard`
    // vets (plaintext when `guard` is null), frames capped at `max_bytes`; returns the
    // endpoint bound (port 0 resolved). Before the I/O thread starts. Throws OSError.
    std::string listen_tcp(const std::string& address, TcpGuard* guard, std::uint64_t max_bytes);
    // Reads and dispatches what is ready (a bounded batch, then yields to timers), and
    // makes sure the next readiness is waited for. I/O thread only.
    void drain();
    // Sends back along the route a message came by (to the DEALER with that identity).
    void send_routed(const std::string& identity, const std::string& header, std::string payload);
    void close();
    // Sends the batches the I/O thread's actors hold. Never throws.
    void flush_actor_sends() noexcept;

  private:
    void arm();
    // Reads and dispatches one message; false when none was ready.
    bool receive_one();

    Node& node_;
    zmq::socket_t router_;
    boost::asio::posix::stream_descriptor readiness_;
    bool armed_ = false;
    bool closed_ = false;
};

}  // namespace mpact::detail
