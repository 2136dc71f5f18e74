#pragma once
/// mpact::Condition: a condition variable shared by processes, over an mpact Lock or RLock
/// (a new RLock by default); its waiters are held by an actor in the creating process.
///
///     std::unique_lock guard(cond);                  // with cond:
///     cond.wait_for([&] { return ready(); }, 5s);    //     cond.wait_for(ready, 5)
///     cond.wait(guard);                              // std::condition_variable_any's form
///     cond.notify_all();                             //     cond.notify_all()
///
/// Python: multiprocessing.Condition. wait(), notify() and notify_all() need the calling
/// thread to hold the lock (ValueError otherwise: Python's AssertionError/RuntimeError).
/// wait() enrols with the actor before it releases the lock, so a notify made under the lock
/// after that release always counts it; notify(n) wakes the n longest waiters (FIFO) whose
/// processes live; a waiter whose process dies is removed. wait() takes the lock back
/// (at the depth an RLock had) before returning, whatever it returns, also on timeout.
/// Timeout: wait(timeout) → false when it passes; untimed waits last while the condition's
/// process lives. Throws: ValueError (lock not held), ActorDownError (the creating process
/// of the condition or of its lock has ended). Thread-safety: any thread, any handle.
#include <mpact/detail/sync_handle.hpp>
#include <mpact/lock.hpp>
#include <mpact/time.hpp>

#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <tuple>

namespace mpact {

/// Python: multiprocessing.Condition(lock=None).
class Condition {
  public:
    /// A condition over a new RLock. Python: Condition().
    Condition();
    /// A condition over `lock`. Python: Condition(lock).
    explicit Condition(const Lock& lock);
    explicit Condition(const RLock& lock);

    /// Its lock's acquire/release (Python: the condition is a context manager over it).
    [[nodiscard]] bool acquire() const { return lock_.acquire(std::nullopt); }
    [[nodiscard]] bool acquire(Duration timeout) const { return lock_.acquire(timeout); }
    void release() const { lock_.release(); }
    void lock() const { static_cast<void>(lock_.acquire(std::nullopt)); }
    void unlock() const { lock_.unlock(); }
    [[nodiscard]] bool try_lock() const { return lock_.acquire(Duration::zero()); }

    /// Releases the lock, waits for a notify, takes the lock back; true. Python: wait().
    bool wait() const { return wait_impl(std::nullopt); }
    /// As wait(); false if `timeout` passed first. Python: wait(timeout=t).
    [[nodiscard]] bool wait(Duration timeout) const { return wait_impl(timeout); }
    /// Waits until `pred()` is truthy, re-checking after each wake-up, at most `timeout`
    /// in all; returns pred()'s last value. Python: wait_for(predicate, timeout).
    template <std::invocable Pred>
    auto wait_for(Pred pred, std::optional<Duration> timeout = std::nullopt) const;
    /// Wakes up to `n` waiters. Python: notify(n=1).
    void notify(std::uint32_t n = 1) const;
    /// Wakes every waiter. Python: notify_all().
    void notify_all() const;

    /// std::condition_variable_any's forms, on a std::unique_lock of this condition, of
    /// its Lock/RLock handle, or of the handle the condition was made with.
    template <class L>
    void wait(std::unique_lock<L>& guard) const {
        check(guard);
        wait_impl(std::nullopt);
    }
    template <class L, class Pred>
    void wait(std::unique_lock<L>& guard, Pred pred) const {
        while (!pred()) wait(guard);
    }
    template <class L, class Rep, class Period>
    std::cv_status wait_for(std::unique_lock<L>& guard,
                            const std::chrono::duration<Rep, Period>& timeout) const {
        check(guard);
        return wait_impl(std::chrono::ceil<Duration>(timeout)) ? std::cv_status::no_timeout
                                                               : std::cv_status::timeout;
    }
    template <class L, class Rep, class Period, class Pred>
    bool wait_for(std::unique_lock<L>& guard, const std::chrono::duration<Rep, Period>& timeout,
                  Pred pred) const {
        return wait_until(guard, Clock::now() + std::chrono::ceil<Duration>(timeout), pred);
    }
    template <class L, class C, class D>
    std::cv_status wait_until(std::unique_lock<L>& guard,
                              const std::chrono::time_point<C, D>& deadline) const {
        return wait_for(guard, deadline - C::now());
    }
    template <class L, class C, class D, class Pred>
    bool wait_until(std::unique_lock<L>& guard, const std::chrono::time_point<C, D>& deadline,
                    Pred pred) const {
        while (!pred()) {
            if (wait_until(guard, deadline) == std::cv_status::timeout) return pred();
        }
        return true;
    }

    /// Its lock's engine (so a std::unique_lock<Condition> is checked like one of its lock).
    [[nodiscard]] const detail::LockCore& core() const noexcept { return lock_; }

    struct Wire {
        ActorRef actor;
        detail::LockCore::Wire lock;
        MSGPACK_DEFINE(actor, lock)
    };
    [[nodiscard]] auto packed() const {
        return std::tuple<const ActorRef&, decltype(lock_.packed())>(h_.actor(), lock_.packed());
    }
    static Condition from_wire(const Wire& w);

  private:
    Condition(detail::SyncHandle h, detail::LockCore lock)
        : h_(std::move(h)), lock_(std::move(lock)) {}
    explicit Condition(detail::LockCore lock);
    bool wait_impl(std::optional<Duration> timeout) const;
    template <class L>
    void check(const std::unique_lock<L>& guard) const {
        if (!guard.owns_lock() || !same_lock(guard.mutex()->core())) refuse_guard();
    }
    [[nodiscard]] bool same_lock(const detail::LockCore& core) const { return core == lock_; }
    [[noreturn]] static void refuse_guard();

    detail::SyncHandle h_;
    detail::LockCore lock_;
};

template <std::invocable Pred>
auto Condition::wait_for(Pred pred, std::optional<Duration> timeout) const {
    auto result = pred();
    const auto deadline = maybe_deadline_after(timeout);
    while (!result) {
        if (deadline) {
            auto left = *deadline - Clock::now();
            if (left <= Duration::zero()) break;
            static_cast<void>(wait_impl(std::chrono::ceil<Duration>(left)));
        } else {
            static_cast<void>(wait_impl(std::nullopt));
        }
        result = pred();
    }
    return result;
}

}  // namespace mpact
