#pragma once
/// Durations and deadlines at every mpact boundary: a timeout is a std::chrono duration,
/// turned into a steady_clock deadline once at the API entry. "Forever" is the overload
/// without a timeout, never -1.
#include <chrono>
#include <optional>

namespace mpact {

using Duration = std::chrono::nanoseconds;
using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

/// A deadline `timeout` from now; negative timeouts mean "already expired".
[[nodiscard]] inline Deadline deadline_after(Duration timeout) noexcept {
    return Clock::now() + timeout;
}

/// Time left until `deadline`, never negative.
[[nodiscard]] inline Duration remaining(Deadline deadline) noexcept {
    auto left = deadline - Clock::now();
    return left > Duration::zero() ? std::chrono::duration_cast<Duration>(left) : Duration::zero();
}

/// An optional deadline: std::nullopt waits forever.
using MaybeDeadline = std::optional<Deadline>;

/// deadline_after(*timeout), or std::nullopt (forever) without a timeout.
[[nodiscard]] inline MaybeDeadline maybe_deadline_after(std::optional<Duration> timeout) noexcept {
    return timeout ? MaybeDeadline(deadline_after(*timeout)) : std::nullopt;
}

}  // namespace mpact
