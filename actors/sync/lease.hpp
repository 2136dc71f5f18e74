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
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mpact::detail {

// After a LeaseRevoke reaches a process whose thread holds the lock, the process may take
// the lock again locally this many more times, within this long, before the lease goes back.
inline constexpr int kLeaseBurstAcquires = 64;
inline constexpr Duration kLeaseBurstTime = std::chrono::microseconds(100);

// A Value's or Array's elements as the process holding its lock's lease knows them
// (lease_cache.cpp): loaded once, then read and written here; the dirty ones are written back
// before the lease goes.
struct CachedElement {
    std::string bytes;  // canonical msgpack, as the value's actor keeps it
    bool dirty = false;
};
struct ValueCache {
    ActorRef value;
    std::map<std::uint64_t, CachedElement> elements;
};

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
    std::uint32_t depth = 0;        // an RLock's recursion
    bool watched = false;           // the agent watches the lock's actor
    std::string down;               // non-empty once the lock's actor is gone: the error text
    std::vector<ValueCache> cache;  // values guarded by this lock, while the lease is held

    // A revoke has come: from now on the burst's bounds apply.
    void start_burst();
    // True when a thread may take the lock here, now, without asking the actor.
    [[nodiscard]] bool may_take_locally();
    // Ends the lease (mu held): the cached values' dirty elements are written back, then
    // the actor learns it by LeaseReturn; local waiters then ask.
    void give_back();
};

// Writes `dirty` (value, index, bytes) back to their actors, then sends `lock` the
// LeaseReturn of `ticket` (from the node's thread, without blocking the caller).
struct WriteBack {
    ActorRef value;
    std::uint64_t index = 0;
    std::string bytes;
};
void write_back_then_return(std::vector<WriteBack> dirty, const ActorRef& lock,
                            std::uint64_t ticket);
// Waits (bounded) until the write-backs started so far have been answered: a process's end.
void wait_for_write_backs(Duration at_most);

// Runs `op` on this process's copy of element `i` of `value` if the process holds the lease of
// `s` (loading the element first with `load`); returns false without running it otherwise.
// `op` may change the bytes (they must be canonical) and says so by returning true.
bool with_cached(LeaseSlot& s, const ActorRef& value, std::uint64_t i,
                 const std::function<std::string()>& load,
                 const std::function<bool(std::string&)>& op);
// The same for elements [first, last) (clamped by the caller): `load` fetches that range.
bool with_cached_range(LeaseSlot& s, const ActorRef& value, std::uint64_t first, std::uint64_t last,
                       const std::function<std::vector<std::string>()>& load,
                       const std::function<bool(std::vector<std::string>&)>& op);

// This process's slot for the lock at `lock` (made on first use).
[[nodiscard]] std::shared_ptr<LeaseSlot> lease_slot(const ActorRef& lock);
// This process's LeaseAgent, the actor lock actors send revokes to (hosted on first use).
[[nodiscard]] ActorRef lease_agent();
// Registers (once per process) the exit hook that hands idle leases back at a normal end.
void ensure_lease_exit_hook();
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
