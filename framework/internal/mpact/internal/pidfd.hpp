#pragma once
// pidfd: a descriptor that becomes readable when a process ends, for any process we can see
// (not only our children), without reaping it. This is how a request to a dead peer fails
// at once instead of waiting for a timeout.
#include <sys/types.h>

#include <string_view>

namespace mpact::detail {

// A pidfd for `pid`, or -1 if the process no longer exists (or pidfds are unavailable).
int open_pidfd(pid_t pid) noexcept;
// True if the process behind `pidfd` has ended (non-blocking check).
bool pidfd_ended(int pidfd) noexcept;
// True while `pid` runs (a zombie has ended).
bool process_running(pid_t pid) noexcept;
// The pid encoded as the last path component of an ipc:// endpoint; 0 for anything else.
pid_t pid_of_endpoint(const std::string_view endpoint) noexcept;

}  // namespace mpact::detail
