#pragma once
/// mpact::Semaphore and mpact::BoundedSemaphore: a counter of units shared by processes, held
/// by an actor in the process that created it.
///
///     void worker(mpact::Semaphore slots) {
///         std::scoped_lock slot(slots);          // with slots:  (at most N at a time)
///         ...
///     }
///     MPACT_TASK(worker);
///     mpact::Semaphore slots{3};                 // slots = Semaphore(3)
///
/// Python: multiprocessing.Semaphore / BoundedSemaphore. A Semaphore may be released above
/// its start value; a BoundedSemaphore may not (ValueError). Robust: the units a process
/// acquired and had not released (acquires minus its own releases) come back when it dies.
/// Waiters are served in arrival order. Models TimedLockable, one unit per lock().
/// Timeout: acquire(timeout); the untimed acquire waits while the semaphore's process lives.
/// Throws: ValueError (a negative value, a BoundedSemaphore released above its value),
/// ActorDownError (the creating process has ended). Thread-safety: any thread, any handle.
#include <mpact/detail/sync_handle.hpp>
#include <mpact/detail/timed_lockable.hpp>
#include <mpact/time.hpp>

#include <chrono>
#include <cstdint>
#include <optional>

namespace mpact {

namespace detail {
class SemaphoreCore {
  public:
    SemaphoreCore() = default;
    SemaphoreCore(std::int64_t value, bool bounded);
    explicit SemaphoreCore(SyncHandle h) : h_(std::move(h)) {}
    bool acquire(std::optional<Duration> timeout) const;
    void release() const;
    /// release() for a guard's destructor: a semaphore whose process has ended is not
    /// reported there (it would terminate the program).
    void unlock() const;
    [[nodiscard]] std::int64_t get_value() const;
    [[nodiscard]] const SyncHandle& handle() const noexcept { return h_; }

  private:
    SyncHandle h_;
};
}  // namespace detail

/// Python: multiprocessing.Semaphore(value=1). acquire() waits for a unit, acquire(timeout)
/// takes one if it comes in time, release() gives one back (any process may); the
/// TimedLockable members take and give one unit (detail::TimedLockable).
class Semaphore : public detail::TimedLockable<detail::SemaphoreCore> {
  public:
    explicit Semaphore(std::int64_t value = 1)
        : TimedLockable(detail::SemaphoreCore(value, false)) {}

    /// The units free now. Python: get_value().
    [[nodiscard]] std::int64_t get_value() const { return core_.get_value(); }

    using Wire = ActorRef;
    [[nodiscard]] const Wire& packed() const noexcept { return core_.handle().actor(); }
    static Semaphore from_wire(const Wire& w) {
        return Semaphore(detail::SemaphoreCore(detail::SyncHandle(w)));
    }

  protected:
    Semaphore(std::int64_t value, bool bounded)
        : TimedLockable(detail::SemaphoreCore(value, bounded)) {}
    explicit Semaphore(detail::SemaphoreCore core) : TimedLockable(std::move(core)) {}
};

/// A Semaphore that refuses a release above its start value. Python: BoundedSemaphore.
class BoundedSemaphore : public Semaphore {
  public:
    explicit BoundedSemaphore(std::int64_t value = 1) : Semaphore(value, true) {}
    static BoundedSemaphore from_wire(const Wire& w) {
        return BoundedSemaphore(detail::SemaphoreCore(detail::SyncHandle(w)));
    }

  private:
    explicit BoundedSemaphore(detail::SemaphoreCore core) : Semaphore(std::move(core)) {}
};

}  // namespace mpact
