#include "condition_actor.hpp"

#include <chrono>
#include <utility>

namespace mpact::detail {

using namespace sync_protocol;

ConditionActor::ConditionActor() : SyncActor("Condition") {
    handle([this](const Checked<CondEnroll>& m, Reply<Nil> reply) {
        if (refused(m, reply)) return;
        if (by_ticket_.contains(m.value->ticket)) {
            refuse(reply, "ticket already enrolled");
            return;
        }
        watch(m.value->owner.pid);
        auto id = ++next_waiter_;
        waiters_.emplace(id, Waiter{m.value->owner, m.value->ticket, false, std::nullopt, 0});
        by_ticket_.emplace(m.value->ticket, id);
        reply(Nil{});
    });
    handle([this](const Checked<CondSleep>& m, Reply<bool> reply) {
        if (!refused(m, reply)) on_sleep(*m.value, std::move(reply));
    });
    handle([this](const Checked<CondLeave>& m) {
        if (!m.value) {
            count_refused();
            return;
        }
        auto it = by_ticket_.find(m.value->ticket);
        if (it != by_ticket_.end() && waiters_.at(it->second).owner == m.value->owner) {
            leave(m.value->ticket);
        }
    });
    handle([this](const CondNotify& m) { return on_notify(m.n); });
}

void ConditionActor::on_sleep(const CondSleep& m, Reply<bool> reply) {
    auto it = by_ticket_.find(m.ticket);
    if (it == by_ticket_.end() || !(waiters_.at(it->second).owner == m.owner)) {
        refuse(reply, "sleep names no enrolment of its owner");
        return;
    }
    auto& w = waiters_.at(it->second);
    if (w.notified || m.wait_us == 0) {
        reply(w.notified);
        leave(m.ticket);
        return;
    }
    w.sleeping.emplace(std::move(reply));
    if (m.wait_us > 0) {
        w.timer = start_timer(std::chrono::microseconds(m.wait_us), [this, ticket = m.ticket] {
            auto found = by_ticket_.find(ticket);
            if (found == by_ticket_.end()) return;
            auto& waiter = waiters_.at(found->second);
            if (waiter.sleeping) (*waiter.sleeping)(false);
            waiter.timer = 0;
            leave(ticket);
        });
    }
}

std::uint32_t ConditionActor::on_notify(std::uint32_t n) {
    std::uint32_t woken = 0;
    for (auto it = waiters_.begin(); it != waiters_.end() && woken < n;) {
        auto& w = it->second;
        if (w.notified) {
            ++it;
            continue;
        }
        if (!alive(w.owner.pid)) {  // its Down is on the way: it takes no wake-up
            cancel_timer(w.timer);
            by_ticket_.erase(w.ticket);
            it = waiters_.erase(it);
            continue;
        }
        ++woken;
        if (w.sleeping) {
            cancel_timer(w.timer);
            (*w.sleeping)(true);
            by_ticket_.erase(w.ticket);
            it = waiters_.erase(it);
            continue;
        }
        w.notified = true;  // enrolled, not asleep yet: its sleep returns at once
        ++it;
    }
    return woken;
}

void ConditionActor::leave(std::uint64_t ticket) {
    auto it = by_ticket_.find(ticket);
    if (it == by_ticket_.end()) return;
    if (auto w = waiters_.find(it->second); w != waiters_.end()) {
        cancel_timer(w->second.timer);
        waiters_.erase(w);
    }
    by_ticket_.erase(it);
}

void ConditionActor::on_process_end(pid_t pid) {
    for (auto it = waiters_.begin(); it != waiters_.end();) {
        if (it->second.owner.pid != pid) {
            ++it;
            continue;
        }
        cancel_timer(it->second.timer);
        by_ticket_.erase(it->second.ticket);
        it = waiters_.erase(it);
    }
}

}  // namespace mpact::detail
