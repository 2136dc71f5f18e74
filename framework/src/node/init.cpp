#include <mpact/internal/node.hpp>
#include <mpact/internal/session.hpp>
#include <mpact/node.hpp>

#include "process/child_role.hpp"

namespace mpact {

void init(int argc, char** argv) {
    // A spawn child or the forkserver becomes its role here and never returns.
    detail::run_role_if_requested(argc, argv);
}

NodeStats node_stats() {
    auto& c = detail::Node::get().counters();
    return NodeStats{c.received.load(),       c.delivered.load(),      c.malformed.load(),
                     c.oversized.load(),      c.unknown_actor.load(),  c.expired.load(),
                     c.handler_errors.load(), detail::refused_count(), c.unmatched.load()};
}

std::string node_endpoint() {
    return detail::Node::get().endpoint();
}

std::string node_endpoint(int pid) {
    return detail::endpoint_for_pid(pid);
}

void set_max_message_size(std::uint64_t bytes) {
    detail::Node::get().set_max_message_size(bytes);
}

}  // namespace mpact
