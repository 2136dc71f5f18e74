#pragma once
// A process's side of a lock's lease (lock.hpp, "Leases"): one LeaseSlot per lock per
// process says whether this process holds the lock's lease and which of its threads holds the
// lock now. Every Lock/RLock handle of the process reaches the same slot, so its threads
// contend locally, under the slot's mutex, and only the process as a whole talks to the actor.
// A forked child starts with every slot empty: a lease is its parent's, never the child's.
#include <mpact/actor_ref.hpp>
#include <mpact/time.hpp>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace mpact::detail {

// After a LeaseRevoke reaches a process whose thread holds the lock, the process may take
// the lock again locally this many more times, within this long, before the lease goes back.
inline constexpr int kLeaseBurstAcquires = 64;
inline constexpr Duration kLeaseBurstTime = std::chrono::microseconds(100);

struct LeaseSlot {
    explicit LeaseSlot(ActorRef l) : lock(std::move(l)) {}
    const ActorRef lock;  // the lock's actor
    std::mutex mu;
    std::condition_variable cv;

    // --- guarded by mu ---
    bool leased = false;       // this process holds the lock (a lease, or a plain grant)
    bool plain = false;        // a grant for one acquire: its release is a LockRelease request
    std::uint64_t ticket = 0;  // the grant's ticket while leased
    bool requesting = false;   // a thread of this process asks the actor now
    std::uint64_t request_ticket = 0;  // its ticket
    std::uint64_t early_revoke = 0;    // a revoke that came before its grant was installed
    bool revoked = false;              // another process waits: hand back after the burst
    int burst_left = 0;
    Deadline burst_end{};
    bool locked = false;  // a thread of this process holds the lock now
    std::int64_t owner_tid = 0;
    std::uint32_t depth = 0;  // an RLock's recursion
    bool watched = false;     // the agent watches the lock's actor
    std::string down;         // non-empty once the lock's actor is gone: the error text

    // True when a thread may take the lock here, now, without asking the actor.
    [[nodiscard]] bool may_take_locally();
    // Ends the lease (mu held): the actor learns it by LeaseReturn; local waiters then ask.
    void give_back();
};

// This process's slot for the lock at `lock` (made on first use).
[[nodiscard]] std::shared_ptr<LeaseSlot> lease_slot(const ActorRef& lock);
// This process's LeaseAgent, the actor lock actors send revokes to (hosted on first use).
[[nodiscard]] ActorRef lease_agent();
// Asks the agent to watch `s.lock` so that s.down is set when its process ends.
void watch_lease(LeaseSlot& s);

// What this process's leases did, for tests: revokes received, and the most local acquires
// any lease made after its revoke arrived (never above kLeaseBurstAcquires).
struct LeaseStats {
    std::uint64_t revokes = 0;
    std::uint64_t returns = 0;
    std::uint64_t max_burst = 0;
};
[[nodiscard]] LeaseStats lease_stats();
void count_burst(std::uint64_t acquires_after_revoke);

}  // namespace mpact::detail
