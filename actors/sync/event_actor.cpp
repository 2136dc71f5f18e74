#include "event_actor.hpp"

#include <chrono>
#include <utility>

namespace mpact::detail {

using namespace sync_protocol;

EventActor::EventActor() : SyncActor("Event") {
    handle([this](const EventSet&) {
        flag_ = true;
        for (auto& [id, w] : waiters_) {
            cancel_timer(w.timer);
            w.reply(true);
        }
        waiters_.clear();
    });
    handle([this](const EventClear&) { flag_ = false; });
    handle([this](const EventIsSet&) { return flag_; });
    handle([this](const Checked<EventWait>& m, Reply<bool> reply) {
        if (!refused(m, reply)) on_wait(*m.value, std::move(reply));
    });
}

void EventActor::on_wait(const EventWait& m, Reply<bool> reply) {
    if (flag_ || m.wait_us == 0) {
        reply(flag_);
        return;
    }
    watch(m.owner.pid);
    auto id = ++next_waiter_;
    Waiter w{m.owner.pid, std::move(reply), 0};
    if (m.wait_us > 0) {
        w.timer = start_timer(std::chrono::microseconds(m.wait_us), [this, id] {
            auto it = waiters_.find(id);
            if (it == waiters_.end()) return;
            it->second.reply(false);
            waiters_.erase(it);
        });
    }
    waiters_.emplace(id, std::move(w));
}

void EventActor::on_process_end(pid_t pid) {
    std::erase_if(waiters_, [&](auto& entry) {
        if (entry.second.pid != pid) return false;
        cancel_timer(entry.second.timer);
        return true;
    });
}

}  // namespace mpact::detail
