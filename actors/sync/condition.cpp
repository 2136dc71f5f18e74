// Condition handles. wait() is: enrol (while holding the lock), release the lock, sleep until
// notified or timed out, take the lock back. Enrolling first is what makes a notify made
// under the lock after the release count this waiter (no lost wake-up).
#include <mpact/condition.hpp>
#include <mpact/errors.hpp>

#include "condition_actor.hpp"
#include "protocol.hpp"

#include <exception>

namespace mpact {

using namespace sync_protocol;

Condition::Condition() : Condition(detail::LockCore(true)) {}

Condition::Condition(const Lock& lock) : Condition(lock.core()) {}

Condition::Condition(const RLock& lock) : Condition(lock.core()) {}

Condition::Condition(detail::LockCore lock)
    : h_("Condition", std::make_unique<detail::ConditionActor>()), lock_(std::move(lock)) {}

Condition Condition::from_wire(const Wire& w) {
    return Condition(detail::SyncHandle(w.actor),
                     detail::LockCore(detail::SyncHandle(w.lock.actor), w.lock.recursive));
}

void Condition::refuse_guard() {
    throw ValueError(
        "Condition: the std::unique_lock passed to wait() must own this condition's lock");
}

bool Condition::wait_impl(std::optional<Duration> timeout) const {
    if (!lock_.held_here()) throw ValueError("must acquire() condition before using wait()");
    const auto owner = detail::this_owner();
    const auto ticket = detail::new_ticket();
    h_.call(CondEnroll{owner, ticket});
    const auto depth = lock_.release_all();
    bool notified = false;
    try {
        notified = h_.call<bool>(CondSleep{owner, ticket, detail::wait_us(timeout)}, timeout);
    } catch (const TimeoutError&) {
        h_.send(CondLeave{owner, ticket});  // no answer even after the grace period
    } catch (...) {
        // The condition's process is gone: still hand the caller its lock back, as promised,
        // unless the lock's process is gone too.
        auto error = std::current_exception();
        try {
            lock_.restore(depth);
        } catch (...) {
        }
        std::rethrow_exception(error);
    }
    lock_.restore(depth);
    return notified;
}

void Condition::notify(std::uint32_t n) const {
    if (!lock_.held_here()) throw ValueError("lock is not owned: notify() needs the lock");
    h_.call(CondNotify{n});
}

void Condition::notify_all() const {
    if (!lock_.held_here()) throw ValueError("lock is not owned: notify_all() needs the lock");
    h_.call(CondNotify{~std::uint32_t{0}});
}

}  // namespace mpact
