#include "sync_actor.hpp"

#include <mpact/internal/pidfd.hpp>

#include <unistd.h>

namespace mpact::detail {

void SyncActor::watch(pid_t pid) {
    if (pid <= 0 || pid == ::getpid() || !watched_.insert(pid).second) return;
    monitor_process(pid);
}

bool SyncActor::alive(pid_t pid) noexcept {
    return pid == ::getpid() || process_running(pid);
}

void SyncActor::linger(const std::vector<pid_t>& children) {
    for (pid_t pid : children) {
        if (pid == ::getpid() || !alive(pid)) continue;
        lingering_for_.insert(pid);
        watch(pid);  // its Down may already be on its way, if watched before
    }
    if (lingering_for_.empty()) stop("normal");
}

void SyncActor::on_down(const Down& down) {
    pid_t pid = ActorRef(down.endpoint, down.name).pid();
    if (pid == 0 || !watched_.erase(pid)) return;
    on_process_end(pid);
    if (lingering_for_.erase(pid) && lingering_for_.empty()) stop("normal");
}

}  // namespace mpact::detail
