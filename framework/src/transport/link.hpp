#pragma once
// Outbound links: each thread keeps its own DEALER socket per peer node (ZeroMQ sockets are
// not thread-safe), so a user thread sends straight into libzmq with no hop through our I/O
// thread, and a request's reply comes back on the same socket (design §9.2: count hops).
// Each link also holds a pidfd of the peer process, polled beside the socket, so a dead peer
// fails a request at once.
#include <zmq.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace mpact::detail {

struct Link {
    zmq::socket_t socket;
    int pidfd = -1;  // -1: the peer is this process, or not a local process
    pid_t pid = 0;
    std::string endpoint;
    Link(zmq::context_t& ctx, std::string endpoint);
    ~Link();
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;
    void send(const std::string& header, std::string payload);
};

// The calling thread's links, rebuilt after a fork (the old sockets belong to the parent).
class LinkCache {
public:
    static LinkCache& for_this_thread();
    Link& get(const std::string& endpoint);
    void drop(const std::string& endpoint);
    std::uint64_t next_corr() noexcept { return ++corr_; }

private:
    std::unordered_map<std::string, std::unique_ptr<Link>> links_;
    std::uint64_t generation_ = 0;
    std::uint64_t corr_ = 0;
};

// A message frame holding `payload` (without a copy when it is large).
zmq::message_t make_message(std::string payload);

// Applies the socket options every mpact socket shares (no silent drops, bounded linger).
void configure_socket(zmq::socket_t& socket);

}  // namespace mpact::detail
