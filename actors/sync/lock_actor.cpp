#include "lock_actor.hpp"

#include <utility>
#include <vector>

namespace mpact::detail {

using namespace sync_protocol;

namespace {
// A try (acquire(0)) that waits for a lease holder's answer gives up after this: the holder's
// process is alive (else its end answers) but its agent does not answer (stopped, overloaded).
constexpr std::int64_t kTryWaitUs = 1'000'000;
}  // namespace

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
    // One-way messages: bad ones are only counted (there is no one to answer).
    auto one_way = [this](auto& m, auto&& fn) {
        if (m.value) {
            fn(*m.value);
        } else {
            count_refused();
        }
    };
    handle([this, one_way](const Checked<LockCancel>& m) {
        one_way(m, [this](const LockCancel& c) { on_cancel(c); });
    });
    handle([this, one_way](const Checked<LeaseReturn>& m) {
        one_way(m, [this](const LeaseReturn& r) { on_return(r); });
    });
    handle([this, one_way](const Checked<LeaseBusy>& m) {
        one_way(m, [this](const LeaseBusy& b) { on_busy(b); });
    });
    handle([this, one_way](const Checked<LeaseForeignReleased>& m) {
        one_way(m, [this](const LeaseForeignReleased& f) { on_foreign_released(f); });
    });
}

void LockActor::grant(Waiter<Granted>& w) {
    holder_ = Holder{w.owner, w.ticket, w.agent};
    w.reply(Granted{true, std::exchange(owner_died_, false), w.agent.valid()});
    fail_tries();
    if (!waiters_.empty()) revoke();
}

void LockActor::on_acquire(const LockAcquire& m, Reply<Granted> reply) {
    if (m.ticket == 0) {
        refuse(reply, "an acquire needs a ticket (a random non-zero id)");
        return;
    }
    watch(m.owner.pid);
    Waiter<Granted> w{m.owner, m.ticket, std::move(reply), 0, m.agent};
    if (!holder_ && waiters_.empty()) {
        grant(w);
        return;
    }
    if (m.wait_us == 0) {
        if (holder_ && holder_->agent.valid()) {
            // A lease may be idle: the lock is free unless a thread of its process holds it.
            // Only the holder can say; ask it (a probe), and park the try until it answers.
            w.try_only = true;
            park(waiters_, std::move(w), kTryWaitUs, Granted{false, false, false});
            if (!holder_->probed) {
                holder_->probed = true;
                holder_->agent.send(LeaseRevoke{holder_->ticket, true});
            }
            return;
        }
        w.reply(Granted{false, false, false});
        return;
    }
    park(waiters_, std::move(w), m.wait_us, Granted{false, false, false});
    revoke();
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
    if (!names_holder && holder_->agent.valid()) {
        // A Lock may be released by anyone (Python's signalling idiom), but a lease's process
        // knows whether one of its threads holds it: ask it to unlock.
        const auto id = ++next_foreign_;
        foreign_.emplace(id, ForeignRelease{m.owner, std::move(reply), holder_->ticket});
        holder_->agent.send(LeaseForeignRelease{holder_->ticket, id});
        return;
    }
    reply(Nil{});
    free_and_hand_off();
}

void LockActor::on_cancel(const LockCancel& m) {
    if (holder_ && holder_->owner == m.owner && holder_->ticket == m.ticket) {
        free_and_hand_off();
        return;
    }
    drop_if(waiters_, [&](auto& w) { return w.ticket == m.ticket && w.owner == m.owner; });
}

void LockActor::on_return(const LeaseReturn& m) {
    // Any thread of the lease's process may hand it back; the ticket proves it is the lease.
    if (!holder_ || !holder_->agent.valid() || holder_->ticket != m.ticket ||
        holder_->owner.pid != m.owner.pid) {
        count_refused();
        return;
    }
    free_and_hand_off();
}

void LockActor::on_busy(const LeaseBusy& m) {
    if (!holder_ || holder_->ticket != m.ticket) return;  // that lease is over already
    holder_->probed = false;
    fail_tries();
}

void LockActor::on_foreign_released(const LeaseForeignReleased& m) {
    auto it = foreign_.find(m.id);
    if (it == foreign_.end()) {
        count_refused();
        return;
    }
    switch (m.result) {
        case LeaseForeignReleased::released:
            it->second.reply(Nil{});
            foreign_.erase(it);
            return;
        case LeaseForeignReleased::not_locked:
            it->second.reply.fail(ValueError("semaphore or lock released too many times"));
            foreign_.erase(it);
            return;
        default:
            // The lease had gone back already: its LeaseReturn is on its way, or here.
            it->second.stale = true;
            retry_foreign();
            return;
    }
}

void LockActor::retry_foreign() {
    std::vector<ForeignRelease> again;
    for (auto it = foreign_.begin(); it != foreign_.end();) {
        auto& f = it->second;
        if (!f.stale || (holder_ && holder_->ticket == f.lease_ticket)) {
            ++it;
            continue;
        }
        again.push_back(std::move(f));
        it = foreign_.erase(it);
    }
    for (auto& f : again) on_release(LockRelease{f.owner, 0}, std::move(f.reply));
}

void LockActor::on_process_end(pid_t pid) {
    drop_if(waiters_, [&](auto& w) { return w.owner.pid == pid; });
    if (holder_ && holder_->owner.pid == pid) {
        // Foreign releases of its lease are done: its death released the lock.
        for (auto it = foreign_.begin(); it != foreign_.end();) {
            if (it->second.lease_ticket != holder_->ticket) {
                ++it;
                continue;
            }
            it->second.reply(Nil{});
            it = foreign_.erase(it);
        }
        owner_died_ = true;
        free_and_hand_off();
    }
}

void LockActor::free_and_hand_off() {
    holder_.reset();
    hand_off();
    retry_foreign();
}

void LockActor::hand_off() {
    if (holder_) return;
    if (auto w = next_live(waiters_)) grant(*w);
}

void LockActor::revoke() {
    if (!holder_ || !holder_->agent.valid() || holder_->revoked) return;
    // Only a waiter that will wait calls for it; a try has its probe.
    bool waits = false;
    for (auto& [id, w] : waiters_.by_arrival) waits = waits || !w.try_only;
    if (!waits) return;
    holder_->revoked = true;
    holder_->agent.send(LeaseRevoke{holder_->ticket, false});
}

void LockActor::fail_tries() {
    auto& q = waiters_.by_arrival;
    for (auto it = q.begin(); it != q.end();) {
        if (!it->second.try_only) {
            ++it;
            continue;
        }
        cancel_timer(it->second.timer);
        it->second.reply(Granted{false, false, false});
        it = q.erase(it);
    }
}

}  // namespace mpact::detail
