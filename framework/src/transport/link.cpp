#include "transport/link.hpp"

#include <unistd.h>

#include "node/node.hpp"
#include "transport/pidfd.hpp"

namespace mpact::detail {

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

Link::Link(zmq::context_t& ctx, std::string ep)
    : socket(ctx, zmq::socket_type::dealer), pid(pid_of_endpoint(ep)), endpoint(std::move(ep)) {
    configure_socket(socket);
    socket.connect(endpoint);
    if (pid != 0 && pid != ::getpid()) pidfd = open_pidfd(pid);
}

Link::~Link() {
    if (pidfd >= 0) ::close(pidfd);
}

void Link::send(const std::string& header, std::string payload) {
    socket.send(zmq::buffer(header), zmq::send_flags::sndmore);
    socket.send(make_message(std::move(payload)), zmq::send_flags::none);
}

LinkCache& LinkCache::for_this_thread() {
    thread_local LinkCache cache;
    auto generation = Node::generation();
    if (cache.generation_ != generation) {
        // After a fork the inherited sockets belong to the parent's context: leak them
        // rather than close them from a process whose libzmq threads do not exist.
        for (auto& [endpoint, link] : cache.links_) {
            static_cast<void>(link.release());
        }
        cache.links_.clear();
        cache.generation_ = generation;
    }
    return cache;
}

Link& LinkCache::get(const std::string& endpoint) {
    auto it = links_.find(endpoint);
    if (it != links_.end()) return *it->second;
    auto link = std::make_unique<Link>(Node::get().context(), endpoint);
    return *links_.emplace(endpoint, std::move(link)).first->second;
}

void LinkCache::drop(const std::string& endpoint) {
    auto it = links_.find(endpoint);
    if (it == links_.end()) return;
    it->second->socket.set(zmq::sockopt::linger, 0);
    links_.erase(it);
}

}  // namespace mpact::detail
