#pragma once
/// mpact::ValueLock and mpact::ValueOptions: the lock of a Value or Array, and how it is
/// chosen when the Value or Array is made (Python's `lock=` argument).
///
///     mpact::Value<int> v{0};                            // v = Value('i', 0): a new RLock
///     { std::scoped_lock g(v.get_lock()); v.store(v.load() + 1); }   // with v.get_lock(): ...
///     mpact::Value<int> raw{0, {.lock = false}};         // Value('i', 0, lock=False)
///     mpact::Lock lock;
///     mpact::Array<int> a{10, {.lock = lock}};           // Array('i', 10, lock=lock)
///     assert(a.get_lock() == lock);                      // a.get_lock() is lock
///
/// A ValueLock is the Lock or RLock it was made from (the same actor, the same rules: a Lock
/// may be released by anyone, an RLock only by its owner thread). It holds either kind, so
/// a Value can share a Lock as Python allows; `recursive()` says which. It models
/// TimedLockable like Lock and RLock. The lock only guards what its users agree it guards:
/// a Value's own operations never take it (as in Python).
/// Throws, timeout, thread-safety: as mpact::Lock / mpact::RLock (<mpact/lock.hpp>).
#include <mpact/detail/sync_handle.hpp>
#include <mpact/detail/timed_lockable.hpp>
#include <mpact/lock.hpp>

#include <variant>

namespace mpact {

/// The Lock or RLock of a Value or Array. Python: what get_lock() returns.
class ValueLock : public detail::TimedLockable<detail::LockCore> {
  public:
    /// The same lock as `lock` (a copy of its handle, not a new lock). Implicit, so
    /// `{.lock = some_lock}` and `v.get_lock() == some_lock` read as in Python.
    ValueLock(const Lock& lock) : TimedLockable(lock.core()) {}
    ValueLock(const RLock& lock) : TimedLockable(lock.core()) {}

    /// True for an RLock, false for a Lock.
    [[nodiscard]] bool recursive() const noexcept { return core_.recursive(); }
    /// As Lock::owner_died().
    [[nodiscard]] bool owner_died() const { return core_.owner_died(); }
    /// The same lock (the same actor), whichever handle it came through.
    friend bool operator==(const ValueLock& a, const ValueLock& b) { return a.core_ == b.core_; }

    [[nodiscard]] const detail::LockCore& core() const noexcept { return core_; }
    using Wire = detail::LockCore::Wire;
    [[nodiscard]] auto packed() const { return core_.packed(); }
    static ValueLock from_wire(const Wire& w) {
        return ValueLock(detail::LockCore(detail::SyncHandle(w.actor), w.recursive));
    }

  private:
    explicit ValueLock(detail::LockCore core) : TimedLockable(std::move(core)) {}
};

/// How a Value or Array gets its lock. Python: the `lock=` keyword argument.
struct ValueOptions {
    /// true (the default): a new RLock, made with the value. false: no lock at all (Python's
    /// lock=False or RawValue/RawArray): get_lock() throws ValueError, where Python raises
    /// AttributeError. A Lock, RLock or another value's get_lock(): that lock, shared.
    /// Anything else (Python's lock='x', an AttributeError) does not compile.
    std::variant<bool, ValueLock> lock = true;
};

}  // namespace mpact
