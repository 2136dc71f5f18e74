#pragma once
// The launcher: one long-lived thread per process from which every child is forked.
// PR_SET_PDEATHSIG fires when the *thread* that forked a child ends, not the process, so a
// child forked by a short-lived user thread would die with that thread; forked from here,
// children (and the forkserver) die with this process and not before.
#include <functional>

namespace mpact::detail {

// Runs `fn` on this process's launcher thread (started on first use; a forked child starts
// its own) with the caller's signal mask, waits for it and rethrows what it threw. A fork
// inside `fn` leaves the child running on a copy of the launcher thread: it must not return.
void run_on_launcher(const std::function<void()>& fn);

}  // namespace mpact::detail
