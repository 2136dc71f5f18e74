#pragma once
// Descriptors are a budget this process shares with libzmq, whose I/O threads accept the
// connections of peers at any time and abort the process (an assertion) when accept() fails
// with EMFILE. So mpact raises the soft limit to the hard one once, and refuses to make a
// socket, link or child of its own while fewer than kDescriptorReserve descriptors would be
// left for those accepts: the caller gets a ProcessError that says what to do, the process
// lives on.
#include <zmq.hpp>

#include <string_view>

namespace mpact::detail {

// Descriptors kept free for libzmq (the peers' connections it accepts), at least.
inline constexpr int kDescriptorReserve = 16;

// The connections a child typically makes to its parent, which the parent accepts: its
// node's link and one for the thread that runs its work (a pool worker putting to a queue
// the parent owns). Measured: a Pool of n workers using 4 queues holds ~6 n descriptors in
// the parent, 3 of them the parent's own (sentinel, its link to the worker and that link's
// pidfd), the rest accepted.
inline constexpr int kIncomingPerChild = 3;

// Raises this process's soft RLIMIT_NOFILE to its hard limit (children inherit it).
// Never throws.
void raise_descriptor_limit() noexcept;

// How many children this process has that may still connect to it (the process registry
// keeps it current). Each keeps kIncomingPerChild descriptors in the reserve, for every
// check: a link opened after a Pool started its workers must not take the room of
// connections those workers have not made yet.
void set_children(std::size_t children) noexcept;

// Throws ProcessError naming `what` when making `needed` more descriptors would leave fewer
// than the reserve free: kDescriptorReserve or a quarter of the limit, whichever is more,
// plus kIncomingPerChild for each child (set_children).
void check_descriptors(std::string_view what, int needed);

// A new ZeroMQ socket, after check_descriptors(what, needed); a ProcessError rather than
// zmq::error_t when libzmq finds no descriptor for it (peers' connections came first).
zmq::socket_t open_socket(zmq::context_t& context, zmq::socket_type type, std::string_view what,
                          int needed);

// Descriptors open in this process now (the count of /proc/self/fd); -1 if unknown.
int open_descriptors() noexcept;

}  // namespace mpact::detail
