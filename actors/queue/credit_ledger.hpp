#pragma once
// CreditLedger: the room a bounded queue's broker has reserved for each producer process.
// A producer spends its credits locally and sends the items in batches, so the broker
// counts room as taken from the moment it grants it: items waiting + credits outstanding
// never exceed maxsize. Each producer's window (the most it may hold) starts at 1, doubles
// while the queue is at most half full and halves when it is more than three quarters full,
// and never exceeds half of maxsize while no other producer holds credits, a quarter while
// others do, so producers share the room.
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace mpact::detail {

class CreditLedger {
  public:
    explicit CreditLedger(std::size_t maxsize);

    /// Room left to grant while `waiting` items are queued (0 when items given back by
    /// consumers have pushed the queue past maxsize).
    [[nodiscard]] std::size_t room(std::size_t waiting) const noexcept;
    /// Credits `pid` holds (granted, not yet spent on items that arrived).
    [[nodiscard]] std::size_t held(pid_t pid) const noexcept;
    /// Total credits outstanding.
    [[nodiscard]] std::size_t reserved() const noexcept { return reserved_; }

    /// `pid`'s items arrived: `n` of its credits became items (n <= held(pid)).
    void spend(pid_t pid, std::size_t n);
    /// Grants `pid` credits towards min(want, its window), within the room; at least one
    /// when `at_least_one` and there is room. Returns how many.
    std::uint32_t grant(pid_t pid, std::uint32_t want, std::size_t waiting, bool at_least_one);
    /// `pid` gives back `n` credits it will not spend (at most what it holds).
    void release(pid_t pid, std::size_t n);
    /// `pid`'s process ended: whatever it held is room again.
    void forget(pid_t pid);

  private:
    struct Producer {
        std::size_t held = 0;
        std::size_t window = 1;
    };
    std::size_t maxsize_;
    std::size_t cap_;       // the largest window while other producers hold credits
    std::size_t lone_cap_;  // the largest window of a producer alone
    std::size_t reserved_ = 0;
    std::unordered_map<pid_t, Producer> producers_;
};

}  // namespace mpact::detail
