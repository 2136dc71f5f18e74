// Lock and RLock handles over this process's lease of the lock (lease.hpp): while the process
// holds the lease, acquire and release are local (the slot's mutex, no message); otherwise
// one thread of the process asks the actor and the others wait for it locally.
#include <mpact/errors.hpp>
#include <mpact/lock.hpp>

#include "holds.hpp"
#include "lease.hpp"
#include "lock_actor.hpp"
#include "protocol.hpp"

#include <utility>

namespace mpact::detail {

using namespace sync_protocol;

namespace {
void take(LeaseSlot& s, std::int64_t tid) {
    s.locked = true;
    s.owner_tid = tid;
    s.depth = 1;
}
}  // namespace

LockCore::LockCore(bool recursive)
    : h_(recursive ? "RLock" : "Lock", std::make_unique<LockActor>(recursive)),
      recursive_(recursive),
      slot_(lease_slot(h_.actor())) {}

LockCore::LockCore(SyncHandle h, bool recursive)
    : h_(std::move(h)), recursive_(recursive), slot_(lease_slot(h_.actor())) {}

bool LockCore::acquire(std::optional<Duration> timeout) const {
    if (!slot_) throw ValueError("use of an empty sync handle");
    auto& s = *slot_;
    const auto tid = this_owner().tid;
    std::unique_lock lk(s.mu);
    if (!s.down.empty()) throw ActorDownError(s.down);
    if (recursive_ && s.locked && s.owner_tid == tid) {
        ++s.depth;  // the owner thread again: Python's RLock counts, no message
        return true;
    }
    if (s.may_take_locally()) {
        take(s, tid);
        return true;
    }
    const auto by = maybe_deadline_after(timeout);
    for (;;) {
        if (!s.down.empty()) throw ActorDownError(s.down);
        if (s.may_take_locally()) {
            take(s, tid);
            return true;
        }
        if (s.leased && !s.locked && !s.plain) s.give_back();  // its burst is over
        if (!s.leased && !s.requesting) return ask_actor(lk, by);
        // Another thread of this process holds the lock or is asking for it: wait for it here.
        if (by) {
            if (s.cv.wait_until(lk, *by) == std::cv_status::timeout && Clock::now() >= *by) {
                if (s.may_take_locally()) {
                    take(s, tid);
                    return true;
                }
                return false;
            }
        } else {
            s.cv.wait(lk);
        }
    }
}

bool LockCore::ask_actor(std::unique_lock<std::mutex>& lk, std::optional<Deadline> by) const {
    auto& s = *slot_;
    const auto me = this_owner();
    const auto ticket = new_ticket();
    s.requesting = true;
    s.request_ticket = ticket;
    s.early_revoke = 0;
    const bool watch = !std::exchange(s.watched, true);
    lk.unlock();
    auto done = [&] {
        lk.lock();
        s.requesting = false;
        s.request_ticket = 0;
        s.cv.notify_all();
    };
    std::optional<Duration> left;
    if (by) left = remaining(*by);
    const LockAcquire request{me, ticket, wait_us(left), lease_agent()};
    Granted granted;
    try {
        if (watch) watch_lease(s);
        ensure_lease_exit_hook();
        granted = h_.call<Granted>(request, left);
    } catch (const TimeoutError&) {
        // No answer even after the grace period: whatever the actor decides later is undone.
        h_.send(LockCancel{request.owner, request.ticket});
        done();
        return false;
    } catch (const ActorDownError& e) {
        done();
        s.down = e.what();
        throw;
    } catch (...) {
        done();
        throw;
    }
    done();
    if (!granted.acquired) return false;
    s.leased = true;
    s.plain = !granted.lease;
    s.ticket = ticket;
    s.revoked = false;
    if (s.early_revoke == ticket) s.start_burst();  // another process already waits
    take(s, me.tid);
    if (granted.owner_died) hold(h_.key()).owner_died = true;
    return true;
}

void LockCore::release() const {
    if (!slot_) throw ValueError("use of an empty sync handle");
    auto& s = *slot_;
    const auto tid = this_owner().tid;
    std::unique_lock lk(s.mu);
    if (!s.down.empty()) throw ActorDownError(s.down);
    if (recursive_) {
        if (!s.locked || s.owner_tid != tid) {
            throw ValueError(
                "cannot release un-acquired lock: this thread does not hold the RLock");
        }
        if (--s.depth > 0) return;
    }
    if (!s.leased) {
        // Not held here: maybe by another process, which a Lock lets anyone release.
        lk.unlock();
        release_by_message(0);
        return;
    }
    if (!s.locked) throw ValueError("semaphore or lock released too many times");
    s.locked = false;
    s.owner_tid = 0;
    s.depth = 0;
    if (s.plain) {
        const auto ticket = std::exchange(s.ticket, 0);
        s.leased = s.plain = false;
        s.cv.notify_all();
        lk.unlock();
        release_by_message(ticket);
        return;
    }
    if (s.revoked && (s.burst_left <= 0 || Clock::now() >= s.burst_end)) {
        s.give_back();
    } else {
        s.cv.notify_one();
    }
}

void LockCore::release_by_message(std::uint64_t ticket) const {
    try {
        h_.call(LockRelease{this_owner(), ticket});
    } catch (const ActorDownError& e) {
        std::scoped_lock g(slot_->mu);
        slot_->down = e.what();
        throw;
    }
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
    if (!slot_) return false;
    std::scoped_lock g(slot_->mu);
    return slot_->locked && slot_->owner_tid == this_owner().tid;
}

std::uint32_t LockCore::release_all() const {
    std::uint32_t depth = 0;
    {
        std::scoped_lock g(slot_->mu);
        if (!slot_->locked || slot_->owner_tid != this_owner().tid) {
            throw ValueError("cannot release un-acquired lock");
        }
        depth = std::exchange(slot_->depth, 1);
    }
    release();
    return depth;
}

void LockCore::restore(std::uint32_t depth) const {
    static_cast<void>(acquire(std::nullopt));
    std::scoped_lock g(slot_->mu);
    slot_->depth = depth;
}

}  // namespace mpact::detail
