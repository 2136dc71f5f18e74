// This process's children: for active_children(), and at exit, Python's rule — daemon
// children are terminated, non-daemon children are joined.
#include <mpact/internal/exit_hooks.hpp>

#include "process/bootstrap.hpp"
#include "process/process_state.hpp"
#include "transport/descriptor_budget.hpp"

#include <signal.h>

#include <cstdlib>
#include <new>

namespace mpact::detail {

namespace {
std::mutex g_children_mutex;
// Strong references, as Python's _children: a child outlives its Process handle (main's
// locals are gone by the time the exit hook runs) until it has been reaped.
std::vector<std::shared_ptr<ProcessState>> g_children;
}  // namespace

void register_child(const std::shared_ptr<ProcessState>& state) {
    std::lock_guard lock(g_children_mutex);
    static bool exit_hook = false;
    if (!exit_hook) {
        exit_hook = true;
        std::atexit(finish_children);
    }
    std::erase_if(g_children, [](const auto& s) {
        std::unique_lock child_lock(s->mutex, std::try_to_lock);
        return child_lock.owns_lock() && s->poll_exit(0);
    });
    g_children.push_back(state);
    set_children(g_children.size());
}

std::vector<std::shared_ptr<ProcessState>> live_children() {
    std::lock_guard lock(g_children_mutex);
    std::vector<std::shared_ptr<ProcessState>> out;
    for (auto& s : g_children) {
        if (s->started && !s->exitcode) out.push_back(s);
    }
    return out;
}

void finish_children() noexcept {
    run_exit_hooks();  // buffered queue puts may be what the children are waiting for
    std::vector<std::shared_ptr<ProcessState>> children;
    {
        std::lock_guard lock(g_children_mutex);
        children.swap(g_children);
        set_children(0);
    }
    for (auto& child : children) {
        std::lock_guard lock(child->mutex);
        if (child->daemon && !child->poll_exit(0)) ::kill(child->pid, SIGTERM);
    }
    for (auto& child : children) {
        std::lock_guard lock(child->mutex);
        child->poll_exit(-1);
    }
}

void forget_children_after_fork() noexcept {
    new (&g_children_mutex) std::mutex();
    g_children.clear();
    set_children(0);  // the parent's children are not ours to keep room for
}

}  // namespace mpact::detail
