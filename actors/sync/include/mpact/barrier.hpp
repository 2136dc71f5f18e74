#pragma once
/// mpact::Barrier: `parties` processes (or threads) wait for each other, held by an actor in
/// the process that created it.
///
///     void step(mpact::Barrier b) { for (int i = 0; i < 10; ++i) { work(i); b.wait(5s); } }
///     MPACT_TASK(step);
///     mpact::Barrier b{3};                        // b = Barrier(3)
///
/// Python: multiprocessing.Barrier(parties, action=None, timeout=None). wait() returns the
/// arrival index, 0 to parties-1, exactly one party getting 0. `action` (an MPACT_TASK
/// function without arguments) runs once per generation, in the process of the last party
/// to arrive, before any party passes; if it throws, the barrier breaks and that party
/// gets the exception. A timeout (wait's own, else the constructor's) breaks the barrier,
/// as do abort() and the death of a party's process while others wait: every waiter then
/// gets BrokenBarrierError, and so does every later wait until reset().
/// Throws: BrokenBarrierError, ValueError (parties < 1, an action that is not a registered
/// task), ActorDownError (the creating process has ended). Thread-safety: any thread.
#include <mpact/detail/sync_handle.hpp>
#include <mpact/time.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>

namespace mpact {

/// Python: multiprocessing.Barrier.
class Barrier {
  public:
    using Action = void (*)();

    /// A new barrier for `parties` (its actor starts in this process).
    explicit Barrier(int parties, Action action = nullptr,
                     std::optional<Duration> timeout = std::nullopt);

    /// Waits for every party; returns this party's arrival index. Python: wait().
    int wait() const { return wait_impl(timeout_); }
    /// As wait(), breaking the barrier if `timeout` passes first. Python: wait(timeout=t).
    int wait(Duration timeout) const { return wait_impl(timeout); }
    /// Breaks the barrier: waiters and later waits raise BrokenBarrierError. Python: abort().
    void abort() const;
    /// Waiters raise BrokenBarrierError; the barrier is then whole and empty. Python: reset().
    void reset() const;
    [[nodiscard]] int parties() const noexcept { return parties_; }
    /// Parties waiting now. Python: n_waiting.
    [[nodiscard]] int n_waiting() const;
    /// Python: broken.
    [[nodiscard]] bool broken() const;

    struct Wire {
        ActorRef actor;
        std::int32_t parties = 0;
        std::string action;
        std::int64_t timeout_ns = -1;
        MSGPACK_DEFINE(actor, parties, action, timeout_ns)
    };
    [[nodiscard]] auto packed() const {
        return std::tuple<const ActorRef&, std::int32_t, const std::string&, std::int64_t>(
            h_.actor(), parties_, action_, timeout_ ? timeout_->count() : -1);
    }
    static Barrier from_wire(const Wire& w);

  private:
    Barrier(detail::SyncHandle h, int parties, std::string action, std::optional<Duration> timeout)
        : h_(std::move(h)), parties_(parties), action_(std::move(action)), timeout_(timeout) {}
    int wait_impl(std::optional<Duration> timeout) const;

    detail::SyncHandle h_;
    int parties_ = 0;
    std::string action_;  // task name, empty for none
    std::optional<Duration> timeout_;
};

}  // namespace mpact
