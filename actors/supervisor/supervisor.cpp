// mpact::Supervisor: the owner handle of a supervisor actor in this process.
#include <mpact/supervisor.hpp>

#include <mpact/actor.hpp>

#include <chrono>

#include "supervisor_actor.hpp"

namespace mpact {

Supervisor::Supervisor(SupervisorOptions options, std::vector<ChildSpec> children) {
    for (const auto& c : children) {
        if (!c.start) throw ValueError("Supervisor: child '" + c.id + "' has no start function");
    }
    if (options.intensity < 0) throw ValueError("Supervisor: intensity must be >= 0");
    ref_ = spawn<detail::SupervisorActor>(std::move(options), std::move(children));
}

Supervisor& Supervisor::operator=(Supervisor&& other) noexcept {
    if (this != &other) {
        stop();
        ref_ = std::exchange(other.ref_, ActorRef{});
    }
    return *this;
}

Supervisor::~Supervisor() { stop(); }

std::vector<ActorRef> Supervisor::children(Duration timeout) const {
    return ref_.request<std::vector<ActorRef>>(WhichChildren{}, timeout);
}

int Supervisor::restarts(Duration timeout) const {
    return ref_.request<int>(CountRestarts{}, timeout);
}

void Supervisor::stop() {
    if (!ref_.valid()) return;
    auto ref = std::exchange(ref_, ActorRef{});
    std::vector<ActorRef> kids;
    try {
        kids = ref.request<std::vector<ActorRef>>(WhichChildren{}, std::chrono::seconds(1));
    } catch (...) {
    }
    try {
        static_cast<void>(ref.stop(std::chrono::seconds(2)));  // no restarts from here on
    } catch (...) {
    }
    for (auto it = kids.rbegin(); it != kids.rend(); ++it) {  // and the children are gone
        try {
            if (it->valid()) static_cast<void>(it->stop(std::chrono::seconds(2)));
        } catch (...) {
        }
    }
}

}  // namespace mpact
