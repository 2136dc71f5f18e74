#include "lock_actor.hpp"

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
    park(waiters_, {m.owner, m.ticket, std::move(reply)}, m.wait_us, Granted{false, false});
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
    drop_if(waiters_, [&](auto& w) { return w.ticket == m.ticket && w.owner == m.owner; });
}

void LockActor::on_process_end(pid_t pid) {
    drop_if(waiters_, [&](auto& w) { return w.owner.pid == pid; });
    if (holder_ && holder_->owner.pid == pid) {
        holder_.reset();
        owner_died_ = true;
        hand_off();
    }
}

void LockActor::hand_off() {
    if (holder_) return;
    if (auto w = next_live(waiters_)) grant(w->owner, w->ticket, w->reply);
}

}  // namespace mpact::detail
