#pragma once
// The shared state behind a Process handle, and the registry of this process's children
// (for active_children() and the exit-time join/terminate).
#include <mpact/process.hpp>

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mpact::detail {

struct ProcessState {
    ProcessTarget target;
    std::string name;
    std::vector<int> identity;
    bool daemon = false;
    StartMethod method = StartMethod::forkserver;
    pid_t pid = 0;
    int sentinel = -1;  // pidfd (fork, spawn) or forkserver status socket
    bool via_forkserver = false;
    bool started = false;
    bool closed = false;
    std::optional<int> exitcode;
    std::mutex mutex;

    // Collects the exit status if the child has ended within `timeout_ms` (-1: no limit).
    bool poll_exit(int timeout_ms);
};

void register_child(const std::shared_ptr<ProcessState>& state);
std::vector<std::shared_ptr<ProcessState>> live_children();

}  // namespace mpact::detail
