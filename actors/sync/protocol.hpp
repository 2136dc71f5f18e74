#pragma once
// Messages between sync handles and their actors (docs/protocol.md, "Sync primitives").
// Wire names are "sync.<Name>". Every waiting request carries `wait_us`: -1 waits as long as
// the requester's process lives, 0 not at all, else that many microseconds, after which the
// actor answers itself (false, or BrokenBarrierError for a Barrier). An `Owner` names the
// requesting process and thread; the actor watches that process, so what a dead process held
// or waited for is given back. A `ticket` is the requester's random 64-bit id for one
// acquire: the holder's proof of ownership, which a forged release cannot name.
#include <mpact/codec.hpp>
#include <mpact/detail/sync_handle.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace mpact::sync_protocol {

using detail::Owner;

// --- Lock and RLock -----------------------------------------------------------------------

/// Request: take the lock for `owner` under `ticket`. Reply: Granted. With a valid `agent`
/// (the requesting process's LeaseAgent) the grant is a lease: the process keeps the lock
/// across its own acquire/release pairs, with no message, until the actor sends the agent
/// LeaseRevoke; it then hands it back with LeaseReturn. Without one, a grant is for one
/// acquire and ends with LockRelease.
struct LockAcquire {
    static constexpr std::string_view mpact_name = "sync.LockAcquire";
    Owner owner;
    std::uint64_t ticket = 0;
    std::int64_t wait_us = -1;
    ActorRef agent;
    MSGPACK_DEFINE(owner, ticket, wait_us, agent)
};
/// Reply to LockAcquire (and SemAcquire's twin for locks): `owner_died` is true for the
/// first grant after a holder's process died holding the lock (or its lease); `lease` says
/// the grant is a lease.
struct Granted {
    bool acquired = false;
    bool owner_died = false;
    bool lease = false;
    MSGPACK_DEFINE(acquired, owner_died, lease)
};

/// One-way, actor to a lease holder's agent: another process waits; hand the lease of
/// `ticket` back (at once if no thread of the process holds the lock, else after a bounded
/// burst, see lock.hpp). A `probe` (another process only tries, acquire(0)) asks less: hand
/// it back if no thread holds the lock, else keep it and answer LeaseBusy.
struct LeaseRevoke {
    static constexpr std::string_view mpact_name = "sync.LeaseRevoke";
    std::uint64_t ticket = 0;
    bool probe = false;
    MSGPACK_DEFINE(ticket, probe)
};
/// One-way, agent to actor: the probe of `ticket` found the lock held; tries fail.
struct LeaseBusy {
    static constexpr std::string_view mpact_name = "sync.LeaseBusy";
    std::uint64_t ticket = 0;
    MSGPACK_DEFINE(ticket)
};
/// One-way, lease holder to actor: the lease of `ticket` ends; the lock is free. Naming a
/// lease `owner`'s process does not hold is refused and counted.
struct LeaseReturn {
    static constexpr std::string_view mpact_name = "sync.LeaseReturn";
    Owner owner;
    std::uint64_t ticket = 0;
    MSGPACK_DEFINE(owner, ticket)
};
/// One-way, actor to a lease holder's agent: another process released the Lock (Python
/// allows it); unlock it locally if it is locked and answer with LeaseForeignReleased.
struct LeaseForeignRelease {
    static constexpr std::string_view mpact_name = "sync.LeaseForeignRelease";
    std::uint64_t ticket = 0;
    std::uint64_t id = 0;
    MSGPACK_DEFINE(ticket, id)
};
/// One-way, agent to actor: the outcome of LeaseForeignRelease `id`.
struct LeaseForeignReleased {
    static constexpr std::string_view mpact_name = "sync.LeaseForeignReleased";
    enum Result : std::uint8_t { released = 0, not_locked = 1, stale = 2 };
    std::uint64_t id = 0;
    std::uint8_t result = stale;
    MSGPACK_DEFINE(id, result)
};
/// Request: release. `ticket` is the grant being released, 0 for a release by a process or
/// thread that does not hold it (allowed for a Lock, ValueError for an RLock). Naming the
/// holder without its ticket, or its ticket from another owner, is refused (ProtocolError,
/// counted in NodeStats::refused) and changes nothing. Reply: nil; ValueError when unlocked.
struct LockRelease {
    static constexpr std::string_view mpact_name = "sync.LockRelease";
    Owner owner;
    std::uint64_t ticket = 0;
    MSGPACK_DEFINE(owner, ticket)
};
/// One-way: the requester of `ticket` stopped waiting for the reply (its own timeout): drop
/// the parked request, or release the grant if it was made meanwhile.
struct LockCancel {
    static constexpr std::string_view mpact_name = "sync.LockCancel";
    Owner owner;
    std::uint64_t ticket = 0;
    MSGPACK_DEFINE(owner, ticket)
};

/// Request: the lock's state, for tools and tests. Reply: LockState.
struct LockQuery {
    static constexpr std::string_view mpact_name = "sync.LockQuery";
    MSGPACK_DEFINE()
};
struct LockState {
    bool locked = false;
    std::uint32_t waiters = 0;
    MSGPACK_DEFINE(locked, waiters)
};

// --- Semaphore and BoundedSemaphore --------------------------------------------------------

/// Request: take one unit. Reply: bool.
struct SemAcquire {
    static constexpr std::string_view mpact_name = "sync.SemAcquire";
    Owner owner;
    std::uint64_t ticket = 0;
    std::int64_t wait_us = -1;
    MSGPACK_DEFINE(owner, ticket, wait_us)
};
/// Request: give one unit back. Reply: nil; ValueError above a BoundedSemaphore's value.
struct SemRelease {
    static constexpr std::string_view mpact_name = "sync.SemRelease";
    Owner owner;
    MSGPACK_DEFINE(owner)
};
/// One-way: as LockCancel, for a unit.
struct SemCancel {
    static constexpr std::string_view mpact_name = "sync.SemCancel";
    Owner owner;
    std::uint64_t ticket = 0;
    MSGPACK_DEFINE(owner, ticket)
};
/// Request: the units free now. Reply: int64.
struct SemValue {
    static constexpr std::string_view mpact_name = "sync.SemValue";
    MSGPACK_DEFINE()
};

// --- Event ---------------------------------------------------------------------------------

/// Request: set the flag and wake every waiter. Reply: nil.
struct EventSet {
    static constexpr std::string_view mpact_name = "sync.EventSet";
    MSGPACK_DEFINE()
};
/// Request: clear the flag. Reply: nil.
struct EventClear {
    static constexpr std::string_view mpact_name = "sync.EventClear";
    MSGPACK_DEFINE()
};
/// Request: the flag. Reply: bool.
struct EventIsSet {
    static constexpr std::string_view mpact_name = "sync.EventIsSet";
    MSGPACK_DEFINE()
};
/// Request: answered true once the flag is set, false after `wait_us`. Reply: bool.
struct EventWait {
    static constexpr std::string_view mpact_name = "sync.EventWait";
    Owner owner;
    std::int64_t wait_us = -1;
    MSGPACK_DEFINE(owner, wait_us)
};

// --- Condition -----------------------------------------------------------------------------

/// Request, made while holding the condition's lock and before releasing it: `owner` is
/// about to wait under `ticket`. A notify from then on counts it. Reply: nil.
struct CondEnroll {
    static constexpr std::string_view mpact_name = "sync.CondEnroll";
    Owner owner;
    std::uint64_t ticket = 0;
    MSGPACK_DEFINE(owner, ticket)
};
/// Request, after the lock is released: answered true when the enrolled `ticket` is (or
/// was already) notified, false after `wait_us`; the enrolment ends either way. Reply: bool.
struct CondSleep {
    static constexpr std::string_view mpact_name = "sync.CondSleep";
    Owner owner;
    std::uint64_t ticket = 0;
    std::int64_t wait_us = -1;
    MSGPACK_DEFINE(owner, ticket, wait_us)
};
/// One-way: the enrolment of `ticket` ends unused (the waiter gave up).
struct CondLeave {
    static constexpr std::string_view mpact_name = "sync.CondLeave";
    Owner owner;
    std::uint64_t ticket = 0;
    MSGPACK_DEFINE(owner, ticket)
};
/// Request: notify the `n` longest-enrolled waiters of live processes. Reply: uint32, how
/// many were notified.
struct CondNotify {
    static constexpr std::string_view mpact_name = "sync.CondNotify";
    std::uint32_t n = 1;
    MSGPACK_DEFINE(n)
};

// --- Barrier -------------------------------------------------------------------------------

/// Request: `owner` arrives. Reply: BarrierPass once all parties are there (or at once for
/// the last one when the barrier has an action to run); BrokenBarrierError when the barrier
/// is or becomes broken (abort, reset, a timeout, a party's process died while others wait).
struct BarrierWait {
    static constexpr std::string_view mpact_name = "sync.BarrierWait";
    Owner owner;
    std::int64_t wait_us = -1;
    MSGPACK_DEFINE(owner, wait_us)
};
struct BarrierPass {
    std::int32_t index = 0;   // arrival order: exactly one party gets 0
    bool run_action = false;  // the last arrival runs the action, then sends ActionDone
    std::uint64_t generation = 0;
    MSGPACK_DEFINE(index, run_action, generation)
};
/// Request: the action of `generation` has run (`ok`) or raised `error`. The parked parties
/// pass, or all get BrokenBarrierError. Reply: nil.
struct BarrierActionDone {
    static constexpr std::string_view mpact_name = "sync.BarrierActionDone";
    std::uint64_t generation = 0;
    bool ok = true;
    std::string error;
    MSGPACK_DEFINE(generation, ok, error)
};
/// Request: break the barrier (abort()). Reply: nil.
struct BarrierAbort {
    static constexpr std::string_view mpact_name = "sync.BarrierAbort";
    MSGPACK_DEFINE()
};
/// Request: waiters get BrokenBarrierError and the barrier is whole again. Reply: nil.
struct BarrierReset {
    static constexpr std::string_view mpact_name = "sync.BarrierReset";
    MSGPACK_DEFINE()
};
/// Request: the state. Reply: BarrierState.
struct BarrierQuery {
    static constexpr std::string_view mpact_name = "sync.BarrierQuery";
    MSGPACK_DEFINE()
};
struct BarrierState {
    std::int32_t n_waiting = 0;
    bool broken = false;
    MSGPACK_DEFINE(n_waiting, broken)
};

}  // namespace mpact::sync_protocol
