#include "credit_ledger.hpp"

#include <algorithm>

namespace mpact::detail {

CreditLedger::CreditLedger(std::size_t maxsize)
    : maxsize_(maxsize),
      cap_(std::max<std::size_t>(1, maxsize / 4)),
      lone_cap_(std::max<std::size_t>(1, maxsize / 2)) {}

std::size_t CreditLedger::room(std::size_t waiting) const noexcept {
    auto taken = waiting + reserved_;
    return taken >= maxsize_ ? 0 : maxsize_ - taken;
}

std::size_t CreditLedger::held(pid_t pid) const noexcept {
    auto it = producers_.find(pid);
    return it == producers_.end() ? 0 : it->second.held;
}

void CreditLedger::spend(pid_t pid, std::size_t n) {
    if (n == 0) return;
    auto it = producers_.find(pid);
    if (it == producers_.end()) return;
    n = std::min(n, it->second.held);
    it->second.held -= n;
    reserved_ -= n;
}

std::uint32_t CreditLedger::grant(pid_t pid, std::uint32_t want, std::size_t waiting,
                                  bool at_least_one) {
    auto free = room(waiting);
    if (free == 0 || (want == 0 && !at_least_one)) return 0;
    auto& p = producers_[pid];
    // A lone producer's throughput is its window per round trip: let it have half the queue
    // while no other producer holds credits, a quarter once others do.
    bool alone = std::ranges::none_of(
        producers_, [&](const auto& other) { return other.first != pid && other.second.held > 0; });
    auto cap = alone ? lone_cap_ : cap_;
    // Grow while the queue has lots of room; shrink as it fills, so a producer does not sit
    // on room another one is waiting for.
    if (free >= maxsize_ / 2) {
        p.window = p.window * 2;
    } else if (free < maxsize_ / 4) {
        p.window = p.window / 2;
    }
    p.window = std::clamp<std::size_t>(p.window, 1, cap);
    auto target = std::min<std::size_t>(want, p.window);
    std::size_t n = target > p.held ? target - p.held : 0;
    if (at_least_one) n = std::max<std::size_t>(n, 1);
    n = std::min(n, free);
    p.held += n;
    reserved_ += n;
    return static_cast<std::uint32_t>(n);
}

void CreditLedger::release(pid_t pid, std::size_t n) {
    spend(pid, n);  // the same bookkeeping: the credits stop being reserved
}

void CreditLedger::forget(pid_t pid) {
    auto it = producers_.find(pid);
    if (it == producers_.end()) return;
    reserved_ -= it->second.held;
    producers_.erase(it);
}

}  // namespace mpact::detail
