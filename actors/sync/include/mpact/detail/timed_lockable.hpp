#pragma once
/// The standard TimedLockable members (lock, unlock, try_lock, try_lock_for, try_lock_until)
/// and Python's acquire/release, once for every sync handle over a `Core` with
/// `acquire(std::optional<Duration>) -> bool`, `release()` and `unlock()` (release for a
/// guard's destructor: quiet when the primitive's process has ended).
#include <mpact/time.hpp>

#include <chrono>
#include <optional>
#include <utility>

namespace mpact::detail {

template <class Core>
class TimedLockable {
  public:
    /// Waits and takes it; true. Python: acquire().
    [[nodiscard]] bool acquire() const { return core_.acquire(std::nullopt); }
    /// Takes it if it comes within `timeout` (zero: only if free now). Python:
    /// acquire(timeout=t); acquire(False) is acquire(0s).
    [[nodiscard]] bool acquire(Duration timeout) const { return core_.acquire(timeout); }
    /// Gives it back. Python: release().
    void release() const { core_.release(); }

    void lock() const { static_cast<void>(core_.acquire(std::nullopt)); }
    void unlock() const { core_.unlock(); }
    [[nodiscard]] bool try_lock() const { return core_.acquire(Duration::zero()); }
    template <class Rep, class Period>
    [[nodiscard]] bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout) const {
        return core_.acquire(std::chrono::ceil<Duration>(timeout));
    }
    template <class C, class D>
    [[nodiscard]] bool try_lock_until(const std::chrono::time_point<C, D>& deadline) const {
        return try_lock_for(deadline - C::now());
    }

  protected:
    explicit TimedLockable(Core core) : core_(std::move(core)) {}
    Core core_;
};

}  // namespace mpact::detail
