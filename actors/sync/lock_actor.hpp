#pragma once
// The actor behind a Lock or RLock: who holds it (owner, grant ticket, and whether the grant
// is a process's lease), who waits (FIFO), and whether the last holder's process died
// holding it. A holder's death releases the lock at once and marks the next grant
// owner_died; a dead waiter is skipped at hand-off. A lease is revoked (LeaseRevoke to the
// holder's agent) as soon as another request waits; it comes back by LeaseReturn.
#include "sync_actor.hpp"

#include <cstdint>
#include <map>
#include <optional>

namespace mpact::detail {

class LockActor : public SyncActor {
  public:
    explicit LockActor(bool recursive);

  private:
    struct Holder {
        Owner owner;
        std::uint64_t ticket = 0;
        ActorRef agent;        // valid: the grant is a lease of agent's process
        bool revoked = false;  // LeaseRevoke sent
        bool probed = false;   // a probe is out (LeaseRevoke{probe})
    };
    // Another process's release of a Lock leased elsewhere, waiting for the holder's agent.
    struct ForeignRelease {
        Owner owner;
        Reply<Nil> reply;
        std::uint64_t lease_ticket = 0;
        bool stale = false;  // the agent no longer held that lease: retry once it is back
    };
    void on_acquire(const sync_protocol::LockAcquire& m, Reply<sync_protocol::Granted> reply);
    void on_release(const sync_protocol::LockRelease& m, Reply<Nil> reply);
    void on_cancel(const sync_protocol::LockCancel& m);
    void on_return(const sync_protocol::LeaseReturn& m);
    void on_busy(const sync_protocol::LeaseBusy& m);
    void on_foreign_released(const sync_protocol::LeaseForeignReleased& m);
    void on_process_end(pid_t pid) override;
    void grant(Waiter<sync_protocol::Granted>& w);
    // The holder is gone (released, returned, died, cancelled): serve the next waiter.
    void free_and_hand_off();
    // Gives a free lock to the first waiter still alive and still waiting.
    void hand_off();
    // Asks a lease holder to hand the lease back (once per lease).
    void revoke();
    // Answers every parked try (acquire(0)) false: the lock is held.
    void fail_tries();
    // Foreign releases that waited for the lease they named to come back run again now.
    void retry_foreign();

    bool recursive_;
    std::optional<Holder> holder_;
    bool owner_died_ = false;  // the holder's process died: the next grant says so
    WaitQueue<sync_protocol::Granted> waiters_;
    std::map<std::uint64_t, ForeignRelease> foreign_;
    std::uint64_t next_foreign_ = 0;
};

}  // namespace mpact::detail
