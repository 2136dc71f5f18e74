#pragma once
// What a session leaves on disk, and how it goes away: at a normal exit the root removes it
// (session.cpp); a root killed by SIGINT or SIGTERM (default disposition) removes it in the
// signal handler; a root killed by SIGKILL cannot, so the next root of the same user removes
// what dead sessions left. A session is alive while its `lock` file is flock()ed: the kernel
// drops the lock with the last process holding it, so a reused pid never keeps a dead
// session alive, nor does it let a live one be removed.
#include <string>

namespace mpact::detail {

// Makes `dir` (just created, under `user_dir`) a live session held by this process: its
// lock file appears already locked, so no other root ever sees it unlocked.
void hold_session_lock(const std::string& user_dir, const std::string& dir);

// Removes every session under `user_dir` whose lock no process holds (a session without a
// lock file, from before locks, only when the pid its name starts with is gone), and the
// /dev/shm scratch directories of those sessions. Never throws.
void remove_stale_sessions(const std::string& user_dir) noexcept;

// The root: on a SIGINT or SIGTERM whose disposition is still the default, removes `dir`
// and `scratch`, then dies of that signal as it would have. Other dispositions are left
// alone; a forked child that inherits the handler only dies.
void remove_on_fatal_signal(const std::string& dir, const std::string& scratch);

// The scratch directory on /dev/shm of the session in `session_dir`.
std::string shm_scratch_for(const std::string& session_dir);

// Removes `dir`, its files, and the files of its subdirectories. Async-signal-safe.
void remove_tree(const char* dir) noexcept;

}  // namespace mpact::detail
