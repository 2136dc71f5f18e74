#pragma once
// The handles of a primitive (a Queue's broker, a Lock's actor) share one owner in the
// process that hosts its actor. When the last of them goes, the actor stops — unless
// non-daemon children of this process are running then: it serves on until they have all
// ended, then stops. Python's primitives outlive the creator's references the same way (they
// are pipes and shared memory the children hold), and Python joins those children at exit,
// so "create, start children, return" works.
#include <mpact/actor_ref.hpp>

#include <memory>

namespace mpact::detail {

/// An owner of `actor` (hosted in this process) for its handles to share. A forked child's
/// copy does nothing: the actor is not its to end.
[[nodiscard]] std::shared_ptr<void> own_actor(ActorRef actor);

}  // namespace mpact::detail
