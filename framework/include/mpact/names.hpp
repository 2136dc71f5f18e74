#pragma once
/// Names: find an actor of another program by a name its node was told, over ipc:// or
/// tcp:// (Erlang's register/whereis; a Manager's address in Python). Also how a foreign
/// client (pyzmq + msgpack) finds an actor: the lookup is one node-level request,
/// "mpact.whereis", specified in docs/protocol.md.
///
///     // on the serving program, started with MPACT_LISTEN=tcp://0.0.0.0:7000
///     mpact::register_name("counter", mpact::spawn<Counter>());
///     // in any program holding the same authkey
///     auto counter = mpact::whereis("tcp://host:7000", "counter", 5s);
///     if (counter) counter->request<int>(Get{}, 1s);
///
/// Thread-safety: any thread.
#include <mpact/actor_ref.hpp>
#include <mpact/time.hpp>

#include <optional>
#include <string>

namespace mpact {

/// Makes `ref` findable as `name` at this process's node (node_address()). Throws
/// ValueError when the name is taken (unregister_name first) or empty.
void register_name(const std::string& name, const ActorRef& ref);
/// Forgets `name`; false when it was not registered.
bool unregister_name(const std::string& name);
/// The actor registered as `name` at the node at `address` (an ipc:// or tcp:// endpoint,
/// e.g. another program's node_address()), or std::nullopt when none is. An actor of that
/// node comes back with `address` as its endpoint, so the ref works from here.
/// Throws TimeoutError when the node does not answer within `timeout` — also what a node
/// that refuses this program's key looks like (CURVE refuses it in the handshake).
[[nodiscard]] std::optional<ActorRef> whereis(const std::string& address, const std::string& name,
                                              Duration timeout);

}  // namespace mpact
