#pragma once
// Per thread and lock, the owner_died() flag of the thread's last acquire (Python's
// ownership is per thread; who holds a lock now is in its LeaseSlot, lease.hpp). A record
// made before a fork names the parent's pid and is not the child's.
#include <mpact/actor_ref.hpp>

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace mpact::detail {

struct Hold {
    pid_t pid = 0;
    bool owner_died = false;
};

// This thread's record for lock `key`, or nullptr.
Hold* find_hold(const std::string& key);
// This thread's record for lock `key`, made empty if there was none.
Hold& hold(const std::string& key);

// The ActorDownError text for a primitive whose actor is gone, with `cause` (the Down's
// reason, or the framework's error) after it.
[[nodiscard]] std::string gone_text(const ActorRef& actor, const std::string& cause);

}  // namespace mpact::detail
