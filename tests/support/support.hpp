#pragma once
// Test helpers: wait for events, never for time (conventions §4).
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mpact::test {

// ThreadSanitizer runs this code 5-15x slower: volume tests scale their counts by this
// (the behaviour checked stays the same; only how many items carry it).
#if defined(__SANITIZE_THREAD__)
inline constexpr int kVolumeScale = 10;
#else
inline constexpr int kVolumeScale = 1;
#endif

// Polls `pred` until it holds or `timeout` passes; returns its last value.
bool eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// True while process `pid` exists (and is not a zombie of ours).
bool process_exists(pid_t pid);

// Kills (SIGKILL) and reaps every pid it holds when it goes out of scope.
class ChildGuard {
  public:
    ChildGuard() = default;
    explicit ChildGuard(pid_t pid) { add(pid); }
    ChildGuard(const ChildGuard&) = delete;
    ChildGuard& operator=(const ChildGuard&) = delete;
    ~ChildGuard();
    void add(pid_t pid) { pids_.push_back(pid); }
    void release(pid_t pid);

  private:
    std::vector<pid_t> pids_;
};

// fork()s a child that runs `body` and _exits with its return value; the parent gets the pid.
pid_t fork_child(const std::function<int()>& body);
// Waits for `pid` (a child) at most `timeout`; returns its raw wait status, or -1 on timeout.
int wait_child(pid_t pid, std::chrono::milliseconds timeout = std::chrono::seconds(20));

// Starts the program argv[0] with `argv`, this process's environment changed by `env` (a
// nullopt value unsets the name), and `in_child` run in the child just before exec (it must
// be async-signal-safe: no allocation). argv and the environment are built before fork():
// the child of a threaded parent must not allocate before exec, since GCC 12's sanitizer
// allocators are not fork-safe (a child once hung on a lock another thread held at fork).
// The child _exits with 127 if exec fails. Returns the pid.
pid_t start_program(const std::vector<std::string>& argv,
                    const std::map<std::string, std::optional<std::string>>& env = {},
                    const std::function<void()>& in_child = {});

}  // namespace mpact::test
