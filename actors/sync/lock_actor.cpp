#include "lock_actor.hpp"

#include <chrono>
#include <utility>

namespace mpact::detail {

using namespace sync_protocol;

LockActor::LockActor(bool recursive)
    : SyncActor(recursive ? "RLock" : "Lock"), recursive_(recursive) {
    handle([this](const Checked<LockAcquire>& m, Reply<Granted> reply) {
        if (!refused(m, reply)) on_acquire(*m.value, std::move(reply));
    });
    handle([this](const Checked<LockRelease>& m, Reply<Nil> reply) {
        if (!refused(m, reply)) on_release(*m.value, std::move(reply));
    });
    handle([this](const LockQuery&) {
        return LockState{holder_.has_value(), static_cast<std::uint32_t>(waiters_.size())};
    });
    handle([this](const Checked<LockCancel>& m) {
        if (m.value) {
            on_cancel(*m.value);
        } else {
            count_refused();
        }
    });
}

void LockActor::grant(const Owner& owner, std::uint64_t ticket, Reply<Granted>& reply) {
    holder_ = Holder{owner, ticket};
    reply(Granted{true, std::exchange(owner_died_, false)});
}

void LockActor::on_acquire(const LockAcquire& m, Reply<Granted> reply) {
    if (m.ticket == 0) {
        refuse(reply, "an acquire needs a ticket (a random non-zero id)");
        return;
    }
    watch(m.owner.pid);
    if (!holder_ && waiters_.empty()) {
        grant(m.owner, m.ticket, reply);
        return;
    }
    if (m.wait_us == 0) {
        reply(Granted{false, false});
        return;
    }
    auto id = ++next_waiter_;
    Waiter w{m.owner, m.ticket, std::move(reply), 0};
    if (m.wait_us > 0) {
        w.timer = start_timer(std::chrono::microseconds(m.wait_us), [this, id] {
            auto it = waiters_.find(id);
            if (it == waiters_.end()) return;
            it->second.reply(Granted{false, false});
            waiters_.erase(it);
        });
    }
    waiters_.emplace(id, std::move(w));
}

void LockActor::on_release(const LockRelease& m, Reply<Nil> reply) {
    if (!holder_) {
        reply.fail(ValueError(recursive_ ? "cannot release un-acquired lock"
                                         : "semaphore or lock released too many times"));
        return;
    }
    const bool names_holder = m.owner == holder_->owner;
    const bool holds_ticket = m.ticket != 0 && m.ticket == holder_->ticket;
    if (names_holder != holds_ticket) {
        // The holder's name without its grant, or its grant from someone else: forged.
        refuse(reply, "release names the holder but not its grant: refused, the lock stays held");
        return;
    }
    if (!names_holder && recursive_) {
        reply.fail(ValueError("cannot release un-acquired lock: another thread owns the RLock"));
        return;
    }
    // A Lock may be released by anyone (Python's signalling idiom).
    holder_.reset();
    reply(Nil{});
    hand_off();
}

void LockActor::on_cancel(const LockCancel& m) {
    if (holder_ && holder_->owner == m.owner && holder_->ticket == m.ticket) {
        holder_.reset();
        hand_off();
        return;
    }
    std::erase_if(waiters_, [&](auto& entry) {
        if (entry.second.ticket != m.ticket || !(entry.second.owner == m.owner)) return false;
        cancel_timer(entry.second.timer);
        return true;
    });
}

void LockActor::on_process_end(pid_t pid) {
    std::erase_if(waiters_, [&](auto& entry) {
        if (entry.second.owner.pid != pid) return false;
        cancel_timer(entry.second.timer);
        return true;
    });
    if (holder_ && holder_->owner.pid == pid) {
        holder_.reset();
        owner_died_ = true;
        hand_off();
    }
}

void LockActor::hand_off() {
    while (!holder_ && !waiters_.empty()) {
        auto w = std::move(waiters_.begin()->second);
        waiters_.erase(waiters_.begin());
        cancel_timer(w.timer);
        // A waiter whose process died may not have been reported yet; one whose requester
        // gave up will cancel: neither takes the lock.
        if (!alive(w.owner.pid) || w.reply.expired()) continue;
        grant(w.owner, w.ticket, w.reply);
    }
}

}  // namespace mpact::detail
