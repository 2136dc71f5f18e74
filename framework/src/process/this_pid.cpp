#include <mpact/internal/this_pid.hpp>

#include <pthread.h>
#include <unistd.h>

#include <atomic>

namespace mpact::detail {

namespace {
std::atomic<pid_t> g_pid{0};
}  // namespace

pid_t this_pid() noexcept {
    auto pid = g_pid.load(std::memory_order_relaxed);
    if (pid != 0) return pid;
    static const bool registered = [] {
        ::pthread_atfork(nullptr, nullptr,
                         [] { g_pid.store(::getpid(), std::memory_order_relaxed); });
        return true;
    }();
    static_cast<void>(registered);
    pid = ::getpid();
    g_pid.store(pid, std::memory_order_relaxed);
    return pid;
}

}  // namespace mpact::detail
