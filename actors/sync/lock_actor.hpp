#pragma once
// The actor behind a Lock or RLock: who holds it (owner and grant ticket), who waits (FIFO),
// and whether the last holder's process died holding it. A holder's death releases the lock
// at once and marks the next grant owner_died; a dead waiter is skipped at hand-off.
#include "sync_actor.hpp"

#include <cstdint>
#include <optional>

namespace mpact::detail {

class LockActor : public SyncActor {
  public:
    explicit LockActor(bool recursive);

  private:
    struct Holder {
        Owner owner;
        std::uint64_t ticket = 0;
    };
    void on_acquire(const sync_protocol::LockAcquire& m, Reply<sync_protocol::Granted> reply);
    void on_release(const sync_protocol::LockRelease& m, Reply<Nil> reply);
    void on_cancel(const sync_protocol::LockCancel& m);
    void on_process_end(pid_t pid) override;
    void grant(const Owner& owner, std::uint64_t ticket, Reply<sync_protocol::Granted>& reply);
    // Gives a free lock to the first waiter still alive and still waiting.
    void hand_off();

    bool recursive_;
    std::optional<Holder> holder_;
    bool owner_died_ = false;  // the holder's process died: the next grant says so
    WaitQueue<sync_protocol::Granted> waiters_;
};

}  // namespace mpact::detail
