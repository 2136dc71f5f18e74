// Lock and RLock handles: an acquire is one request (a recursive one by the owner thread
// costs nothing), a release one more; the thread's grant is remembered in holds.hpp.
#include <mpact/errors.hpp>
#include <mpact/lock.hpp>

#include "holds.hpp"
#include "lock_actor.hpp"
#include "protocol.hpp"

#include <utility>

namespace mpact::detail {

using namespace sync_protocol;

LockCore::LockCore(bool recursive)
    : h_(recursive ? "RLock" : "Lock", std::make_unique<LockActor>(recursive)),
      recursive_(recursive) {}

bool LockCore::acquire(std::optional<Duration> timeout) const {
    const auto key = h_.key();
    if (recursive_) {
        if (auto* held = find_hold(key); held != nullptr && held->depth > 0) {
            ++held->depth;  // the owner thread again: Python's RLock counts, no message
            return true;
        }
    }
    const LockAcquire request{this_owner(), new_ticket(), wait_us(timeout)};
    Granted granted;
    try {
        granted = h_.call<Granted>(request, timeout);
    } catch (const TimeoutError&) {
        // No answer even after the grace period: whatever the actor decides later is undone.
        h_.send(LockCancel{request.owner, request.ticket});
        return false;
    }
    if (!granted.acquired) return false;
    auto& held = hold(key);
    held.ticket = request.ticket;
    held.depth = 1;
    held.owner_died = granted.owner_died;
    return true;
}

void LockCore::release() const {
    const auto key = h_.key();
    auto* held = find_hold(key);
    std::uint64_t ticket = held != nullptr ? held->ticket : 0;
    if (recursive_) {
        if (held == nullptr || held->depth == 0) {
            throw ValueError(
                "cannot release un-acquired lock: this thread does not hold the RLock");
        }
        if (--held->depth > 0) return;
    }
    drop_hold(key);
    h_.call(LockRelease{this_owner(), ticket});
}

void LockCore::unlock() const {
    try {
        release();
    } catch (const ActorDownError&) {
        // The lock's process is gone and its state with it: nothing is held any more.
    }
}

bool LockCore::owner_died() const {
    auto* held = find_hold(h_.key());
    return held != nullptr && std::exchange(held->owner_died, false);
}

bool LockCore::held_here() const {
    auto* held = find_hold(h_.key());
    return held != nullptr && held->depth > 0;
}

std::uint32_t LockCore::release_all() const {
    auto* held = find_hold(h_.key());
    std::uint32_t depth = held != nullptr ? held->depth : 0;
    if (depth == 0) throw ValueError("cannot release un-acquired lock");
    held->depth = 1;
    release();
    return depth;
}

void LockCore::restore(std::uint32_t depth) const {
    try {
        static_cast<void>(acquire(std::nullopt));
    } catch (const ActorDownError&) {
        // The lock's process is gone. The caller's guard still believes it holds the lock and
        // will unlock() it: let it find the hold (that unlock then ends quietly).
        auto& held = hold(h_.key());
        held.ticket = 0;
        held.depth = depth;
        throw;
    }
    hold(h_.key()).depth = depth;
}

}  // namespace mpact::detail
