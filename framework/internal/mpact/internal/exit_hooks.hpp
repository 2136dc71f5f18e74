#pragma once
// Work a primitive must finish before its process ends: a queue handle's buffered puts are
// delivered, a consumer's unread items go back to the broker (Python: the finalizers that
// join a Queue's feeder thread). Hooks run once, in the process that registered them (a
// forked child inherits none), before children are joined and before the node shuts down.
#include <functional>

namespace mpact::detail {

// Registers `hook` to run at the end of this process (normal exit, or a child's target
// returning). Hooks must bound their own waits.
void at_process_exit(std::function<void()> hook);
// Runs this process's hooks, newest first; later calls do nothing. Never throws.
void run_exit_hooks() noexcept;

}  // namespace mpact::detail
