#include <mpact/internal/adaptive_spin.hpp>

#include <poll.h>

#include <algorithm>

namespace mpact::detail {

bool AdaptiveSpin::begin(Duration budget, std::optional<Deadline> deadline,
                         Clock::time_point& until, bool& cut) noexcept {
    if (budget <= Duration::zero()) return false;
    if (skip_ > 0) {
        --skip_;
        return false;
    }
    until = Clock::now() + budget;
    cut = deadline && *deadline < until;
    if (cut) until = *deadline;
    return true;
}

void AdaptiveSpin::missed(bool cut) noexcept {
    constexpr unsigned kMaxBackoff = 1024;
    if (cut) return;  // a deadline inside the budget says nothing
    backoff_ = std::min(std::max(2 * backoff_, 1U), kMaxBackoff);
    skip_ = backoff_;
}

bool AdaptiveSpin::wait_readable(int fd, Duration budget, std::optional<Deadline> deadline) {
    return wait(
        [fd] {
            pollfd p{fd, POLLIN, 0};
            return ::poll(&p, 1, 0) > 0;
        },
        budget, deadline);
}

}  // namespace mpact::detail
