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

void SyncActor::on_down(const Down& down) {
    pid_t pid = ActorRef(down.endpoint, down.name).pid();
    if (pid == 0 || !watched_.erase(pid)) return;
    on_process_end(pid);
}

}  // namespace mpact::detail
