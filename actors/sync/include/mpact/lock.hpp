#pragma once
/// mpact::Lock and mpact::RLock: mutual exclusion across processes, held by an actor in the
/// process that created the lock and reached only by messages.
///
///     void deposit(mpact::Lock lock, mpact::ActorRef account) {
///         std::scoped_lock guard(lock);             // with lock:
///         ...                                       //     ...
///     }
///     MPACT_TASK(deposit);
///     mpact::Lock lock;                             // lock = Lock()
///     mpact::Process p{deposit, lock, account};     // Process(target=deposit, args=(lock, a))
///
/// Python: multiprocessing.Lock / RLock, with Python's rules: any process or thread may
/// release a Lock another acquired; an RLock is owned by one thread, which may acquire it
/// again and must release it as often. Unlike Python's, they are robust: when a holder's
/// process dies (SIGKILL, crash, exit while holding) the lock is released at once and the
/// next owner's owner_died() says so, once (pthread's EOWNERDEAD). Waiters are served in
/// arrival order (FIFO) at each hand-off.
/// Both model the standard TimedLockable concept (lock, unlock, try_lock, try_lock_for,
/// try_lock_until), so std::scoped_lock, std::unique_lock and std::lock(a, b) work.
///
/// Leases: a process that gets the lock keeps a lease on it, so while no other process
/// wants it, its threads acquire and release it locally (a mutex in this process, no
/// message; they contend for it there, in no set order). A request from another process
/// makes the lock's actor revoke the lease: the process hands it back at once if none of its
/// threads holds the lock, else at the release that ends its burst — after a revoke it may
/// take the lock locally at most 64 more times (kLeaseBurstAcquires), within 100 µs
/// (kLeaseBurstTime), a critical section in progress finishing first. Between processes the
/// lock then goes to waiters in arrival order. A try (acquire(0s), try_lock) from another
/// process asks the lease holder and succeeds if no thread there holds the lock. A process
/// that ends normally hands its idle leases back; one that dies (or exits while holding)
/// releases the lock through its death, and the next owner's owner_died() is true — also
/// when the dead process held only an idle lease, since nobody outside it can tell.
/// Timeout: every acquire has a timeout form; the untimed one waits while the lock's process
/// lives. Throws: ValueError (a Lock released while unlocked, an RLock released by a thread
/// that does not hold it), ActorDownError (the creating process has ended: at once for a
/// blocked call, and for every later call). The lock lives while a handle to it exists in the
/// creating process. Thread-safety: any thread may use any handle at any time.
#include <mpact/detail/sync_handle.hpp>
#include <mpact/detail/timed_lockable.hpp>
#include <mpact/time.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <tuple>

namespace mpact {

namespace detail {
struct LeaseSlot;

/// The one engine under Lock and RLock (`recursive`).
class LockCore {
  public:
    LockCore() = default;
    explicit LockCore(bool recursive);
    LockCore(SyncHandle h, bool recursive);

    bool acquire(std::optional<Duration> timeout) const;
    void release() const;
    /// release() for a guard's destructor (std::scoped_lock, std::unique_lock): a lock whose
    /// process has ended has nothing left to release, so ActorDownError is not thrown there
    /// (it would terminate the program); misuse (ValueError) still is.
    void unlock() const;
    [[nodiscard]] bool owner_died() const;
    /// True if the calling thread holds the lock (as this process last learnt it).
    [[nodiscard]] bool held_here() const;
    /// Condition::wait: releases the lock whatever this thread's recursion depth and returns
    /// the depth; restore() takes it again at that depth.
    std::uint32_t release_all() const;
    void restore(std::uint32_t depth) const;
    [[nodiscard]] bool recursive() const noexcept { return recursive_; }
    /// This process's lease state of the lock (a Value guarded by it caches there).
    [[nodiscard]] LeaseSlot* lease() const noexcept { return slot_.get(); }
    [[nodiscard]] const SyncHandle& handle() const noexcept { return h_; }
    friend bool operator==(const LockCore& a, const LockCore& b) { return a.h_ == b.h_; }

    struct Wire {
        ActorRef actor;
        bool recursive = false;
        MSGPACK_DEFINE(actor, recursive)
    };
    [[nodiscard]] auto packed() const {
        return std::tuple<const ActorRef&, const bool&>(h_.actor(), recursive_);
    }

  private:
    bool ask_actor(std::unique_lock<std::mutex>& lk, std::optional<Deadline> by) const;
    void release_by_message(std::uint64_t ticket) const;

    SyncHandle h_;
    bool recursive_ = false;
    std::shared_ptr<LeaseSlot> slot_;  // this process's lease state for the lock
};
}  // namespace detail

/// A mutex shared by processes. Python: multiprocessing.Lock. acquire(), acquire(timeout),
/// release() (any process or thread may; ValueError if it is not locked) and the
/// TimedLockable members come from detail::TimedLockable.
class Lock : public detail::TimedLockable<detail::LockCore> {
  public:
    /// A new, unlocked lock (its actor starts in this process). Python: Lock().
    Lock() : TimedLockable(detail::LockCore(false)) {}

    /// True once after an acquire that followed the death of the previous holder's process
    /// (what it guarded may be half-updated); asking clears it. Per thread.
    [[nodiscard]] bool owner_died() const { return core_.owner_died(); }

    [[nodiscard]] const detail::LockCore& core() const noexcept { return core_; }
    using Wire = detail::LockCore::Wire;
    [[nodiscard]] auto packed() const { return core_.packed(); }
    static Lock from_wire(const Wire& w) {
        return Lock(detail::LockCore(detail::SyncHandle(w.actor), false));
    }

  private:
    explicit Lock(detail::LockCore core) : TimedLockable(std::move(core)) {}
};

/// A recursive mutex shared by processes: its owner thread may take it again (at once, no
/// message) and releases one level per release(); the last one unlocks; ValueError if this
/// thread does not hold it. Python: multiprocessing.RLock.
class RLock : public detail::TimedLockable<detail::LockCore> {
  public:
    /// A new, unlocked lock (its actor starts in this process). Python: RLock().
    RLock() : TimedLockable(detail::LockCore(true)) {}

    /// As Lock::owner_died().
    [[nodiscard]] bool owner_died() const { return core_.owner_died(); }

    [[nodiscard]] const detail::LockCore& core() const noexcept { return core_; }
    using Wire = detail::LockCore::Wire;
    [[nodiscard]] auto packed() const { return core_.packed(); }
    static RLock from_wire(const Wire& w) {
        return RLock(detail::LockCore(detail::SyncHandle(w.actor), true));
    }

  private:
    explicit RLock(detail::LockCore core) : TimedLockable(std::move(core)) {}
};

}  // namespace mpact
