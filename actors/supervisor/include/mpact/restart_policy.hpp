#pragma once
/// mpact::RestartPolicy: a supervisor's restart decisions — whether a child's restart type
/// restarts it after a given end, which children the strategy restarts with it, and the
/// restart intensity (more than `intensity` restarts within `period` means give up). The
/// Supervisor actor decides with it for its children, the Pool's actor for its workers.
///
///     mpact::RestartPolicy policy{{.strategy = mpact::RestartStrategy::rest_for_one}};
///     if (!mpact::RestartPolicy::restarts(mpact::ChildRestart::transient, down.reason)) return;
///     if (policy.exceeded_by_restart()) return give_up();
///     for (auto i : policy.affected(index, children.size())) restart(i);
///
/// Python: none; Erlang: the bookkeeping of supervisor.erl. Thread-safety: none (one actor
/// owns it).
#include <mpact/time.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <string_view>
#include <vector>

namespace mpact {

/// Which children restart when one ends. Erlang: the supervisor's strategy.
enum class RestartStrategy { one_for_one, one_for_all, rest_for_one };
/// When a child that ended is restarted. Erlang: the child spec's `restart`.
enum class ChildRestart { permanent, transient, temporary };

/// Supervisor options; designated initialisers are the keyword arguments.
struct SupervisorOptions {
    RestartStrategy strategy = RestartStrategy::one_for_one;
    int intensity = 3;  ///< restarts allowed within `period`
    Duration period = std::chrono::seconds(5);
};

class RestartPolicy {
  public:
    explicit RestartPolicy(SupervisorOptions options = {}) : options_(options) {}

    /// Whether a child of restart type `type` that ended with `reason` is restarted:
    /// permanent always; transient unless the end was orderly ("normal", "stopped",
    /// "shutdown"); temporary never.
    [[nodiscard]] static bool restarts(ChildRestart type, std::string_view reason) noexcept;
    /// Counts one restart at `now`; true when that makes more than `intensity` restarts
    /// within `period` (the supervisor should give up instead).
    [[nodiscard]] bool exceeded_by_restart(Clock::time_point now = Clock::now());
    /// Forgets the restarts counted so far (a child proved healthy).
    void reset() noexcept { recent_.clear(); }
    /// The children to stop and restart, in start order, when child `index` of `count`
    /// ends: `index` alone (one_for_one), all (one_for_all), or `index` and the children
    /// started after it (rest_for_one).
    [[nodiscard]] std::vector<std::size_t> affected(std::size_t index, std::size_t count) const;
    [[nodiscard]] const SupervisorOptions& options() const noexcept { return options_; }

  private:
    SupervisorOptions options_;
    std::deque<Clock::time_point> recent_;  // restarts within the last `period`
};

}  // namespace mpact
