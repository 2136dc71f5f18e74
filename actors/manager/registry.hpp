#pragma once
// Actor types a user registered with MPACT_MANAGED, by name, for the manager to create.
#include <mpact/actor_ref.hpp>

#include <string>

namespace mpact::detail::mgr {

/// Spawns a registered actor type in this (the manager's) process; ValueError if unknown.
ActorRef create_registered(const std::string& type);

}  // namespace mpact::detail::mgr
