#pragma once
// TcpGuard: who may talk to this node's tcp:// mailbox. A small thread of its own serves
// the context's ZAP endpoint (inproc://zeromq.zap.01, RFC 27) and admits a CURVE peer only
// when its public key is the client key derived from the session authkey; it also reads
// the mailbox's socket monitor and counts every refused handshake (a wrong key, no key, a
// plaintext peer at the CURVE port) in NodeCounters::refused_auth. Refusals happen inside
// libzmq's handshake, before any frame of the peer reaches the mailbox.
#include <zmq.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace mpact::detail {

class TcpGuard {
  public:
    // Binds the ZAP endpoint (before any CURVE listener exists: libzmq admits every key
    // when no handler is bound) and starts the thread.
    TcpGuard(zmq::context_t& context, std::string client_public_key,
             std::atomic<std::uint64_t>& refused);
    ~TcpGuard();
    TcpGuard(const TcpGuard&) = delete;
    TcpGuard& operator=(const TcpGuard&) = delete;

    // Starts counting the refused handshakes of `socket` (before it binds its tcp endpoint;
    // called on the thread that owns the socket).
    void watch(zmq::socket_t& socket);

  private:
    void serve();
    void answer_zap();
    void read_monitor();

    std::string client_public_;  // binary, 32 bytes
    std::atomic<std::uint64_t>& refused_;
    zmq::socket_t zap_;
    zmq::socket_t monitor_;
    bool monitoring_ = false;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

}  // namespace mpact::detail
