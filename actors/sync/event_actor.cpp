#include "event_actor.hpp"

#include <utility>

namespace mpact::detail {

using namespace sync_protocol;

EventActor::EventActor() : SyncActor("Event") {
    handle([this](const EventSet&) {
        flag_ = true;
        while (auto w = next_live(waiters_)) w->reply(true);
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
    park(waiters_, {m.owner, 0, std::move(reply)}, m.wait_us, false);
}

void EventActor::on_process_end(pid_t pid) {
    drop_if(waiters_, [&](auto& w) { return w.owner.pid == pid; });
}

}  // namespace mpact::detail
