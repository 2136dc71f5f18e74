#pragma once
// This process's pid without a system call per use (glibc stopped caching getpid()).
#include <sys/types.h>

namespace mpact::detail {

// ::getpid(), cached; a fork handler renews the copy in the child, so a forked child never
// sees its parent's pid. Hot paths (every send asks for the node) use it to notice a fork.
pid_t this_pid() noexcept;

}  // namespace mpact::detail
