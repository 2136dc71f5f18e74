// Event handles: each call is one request.
#include <mpact/event.hpp>

#include "event_actor.hpp"
#include "protocol.hpp"

namespace mpact {

using namespace sync_protocol;

Event::Event() : h_("Event", std::make_unique<detail::EventActor>()) {}

bool Event::is_set() const {
    return h_.call<bool>(EventIsSet{});
}

void Event::set() const {
    h_.call(EventSet{});
}

void Event::clear() const {
    h_.call(EventClear{});
}

bool Event::wait_impl(std::optional<Duration> timeout) const {
    try {
        return h_.call<bool>(EventWait{detail::this_owner(), detail::wait_us(timeout)}, timeout);
    } catch (const TimeoutError&) {
        return false;  // the actor did not answer even after the grace period
    }
}

}  // namespace mpact
