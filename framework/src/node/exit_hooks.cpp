#include <mpact/internal/exit_hooks.hpp>

#include <unistd.h>

#include <mutex>
#include <utility>
#include <vector>

namespace mpact::detail {

namespace {
struct Hooks {
    std::mutex mutex;
    pid_t pid = 0;  // the process the hooks belong to: a forked child starts with none
    std::vector<std::function<void()>> hooks;
};
Hooks& hooks() {
    static auto* h = new Hooks();  // never destroyed: used from atexit handlers
    return *h;
}
}  // namespace

void at_process_exit(std::function<void()> hook) {
    auto& h = hooks();
    std::lock_guard lock(h.mutex);
    if (h.pid != ::getpid()) {
        h.hooks.clear();
        h.pid = ::getpid();
    }
    h.hooks.push_back(std::move(hook));
}

void run_exit_hooks() noexcept {
    auto& h = hooks();
    std::vector<std::function<void()>> todo;
    {
        std::unique_lock lock(h.mutex, std::try_to_lock);
        if (!lock.owns_lock() || h.pid != ::getpid()) return;
        todo.swap(h.hooks);
    }
    for (auto it = todo.rbegin(); it != todo.rend(); ++it) {
        try {
            (*it)();
        } catch (...) {
        }
    }
}

}  // namespace mpact::detail
