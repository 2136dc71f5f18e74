#pragma once
// The actor behind a Semaphore or BoundedSemaphore: the free units, FIFO waiters, and per
// process the units it acquired and has not released (acquires minus its own releases,
// never below zero), which come back when that process dies.
#include "sync_actor.hpp"

#include <cstdint>
#include <deque>
#include <unordered_map>

namespace mpact::detail {

class SemaphoreActor : public SyncActor {
  public:
    SemaphoreActor(std::int64_t value, bool bounded);

  private:
    void on_acquire(const sync_protocol::SemAcquire& m, Reply<bool> reply);
    void on_release(const sync_protocol::SemRelease& m, Reply<Nil> reply);
    void on_cancel(const sync_protocol::SemCancel& m);
    void on_process_end(pid_t pid) override;
    void grant(const Owner& owner, std::uint64_t ticket, Reply<bool>& reply);
    void serve();
    void give_back(pid_t pid, std::int64_t units);

    std::int64_t value_;
    const std::int64_t initial_;
    const bool bounded_;
    std::unordered_map<pid_t, std::int64_t> held_;
    WaitQueue<bool> waiters_;
    // The last grants, so a requester that gave up (LockCancel's twin) can undo a late one.
    std::deque<std::pair<std::uint64_t, pid_t>> recent_;
};

}  // namespace mpact::detail
