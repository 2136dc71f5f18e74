#pragma once
// AdaptiveSpin: the busy-poll a waiting thread may do before it sleeps (design §9.4), the
// same rule as Connection's receive: look without blocking for at most the budget; a spin
// that runs out makes the next 1, 2, 4 ... 1024 waits block at once, one that catches
// something resets that, so two processes sharing one core never starve each other.
// Used by the lanes, the I/O thread and the primitives' result waits; the budget is
// default_spin() (mpact::init's `spin`, MPACT_SPIN_US; 0 never spins).
#include <mpact/time.hpp>

#include <optional>

namespace mpact::detail {

class AdaptiveSpin {
  public:
    // True if `ready()` became true within `budget` (and before `deadline`). `ready` is
    // called repeatedly: it must not block.
    template <class Ready>
    bool wait(Ready&& ready, Duration budget, std::optional<Deadline> deadline = std::nullopt);
    // True if `fd` became readable within `budget` (and before `deadline`).
    bool wait_readable(int fd, Duration budget, std::optional<Deadline> deadline);

  private:
    // Whether this wait spins (false: it is one of those the backoff skips); the limit.
    bool begin(Duration budget, std::optional<Deadline> deadline, Clock::time_point& until,
               bool& cut) noexcept;
    void caught(bool first) noexcept {
        if (!first) backoff_ = 0;  // caught: spinning pays (ready at once says nothing)
    }
    void missed(bool cut) noexcept;
    static void relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
        asm volatile("yield");
#endif
    }

    unsigned backoff_ = 0;  // waits to skip the spin after the next one that misses
    unsigned skip_ = 0;     // waits left that skip it now
};

template <class Ready>
bool AdaptiveSpin::wait(Ready&& ready, Duration budget, std::optional<Deadline> deadline) {
    Clock::time_point until;
    bool cut = false;
    if (!begin(budget, deadline, until, cut)) return false;
    bool first = true;
    do {
        if (ready()) {
            caught(first);
            return true;
        }
        relax();
        first = false;
    } while (Clock::now() < until);
    missed(cut);
    return false;
}

}  // namespace mpact::detail
