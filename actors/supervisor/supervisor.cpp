// mpact::Supervisor: the owner handle of a supervisor actor in this process.
#include <mpact/actor.hpp>
#include <mpact/node.hpp>
#include <mpact/supervisor.hpp>

#include "supervisor_actor.hpp"

#include <chrono>
#include <memory>
#include <optional>

namespace mpact {

ActorRef spawn_supervisor(SupervisorOptions options, std::vector<ChildSpec> children) {
    for (const auto& c : children) {
        if (!c.start) throw ValueError("Supervisor: child '" + c.id + "' has no start function");
    }
    if (options.intensity < 0) throw ValueError("Supervisor: intensity must be >= 0");
    return spawn<detail::SupervisorActor>(std::move(options), std::move(children));
}

Supervisor::Supervisor(SupervisorOptions options, std::vector<ChildSpec> children)
    : ref_(spawn_supervisor(std::move(options), std::move(children))) {}

Supervisor& Supervisor::operator=(Supervisor&& other) noexcept {
    if (this != &other) {
        stop();
        ref_ = std::exchange(other.ref_, ActorRef{});
    }
    return *this;
}

Supervisor::~Supervisor() {
    stop();
}

std::vector<ActorRef> Supervisor::children(Duration timeout) const {
    return ref_.request<std::vector<ActorRef>>(WhichChildren{}, timeout);
}

ActorRef Supervisor::child(const std::string& id, Duration timeout,
                           const ActorRef& not_this) const {
    return ref_.request<ActorRef>(WhichChild{id, not_this}, timeout);
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

namespace detail {

std::function<ActorRef()> process_starter(std::string name, std::function<Process()> start) {
    auto current = std::make_shared<std::optional<Process>>();
    return [name = std::move(name), start = std::move(start), current] {
        if (current->has_value() && (*current)->is_alive()) {
            (*current)->kill();  // it never answered, or was stopped before it did
            static_cast<void>((*current)->join(std::chrono::seconds(1)));
        }
        current->emplace(start());
        return ActorRef(node_endpoint(static_cast<int>(*(*current)->pid())), name);
    };
}

}  // namespace detail

}  // namespace mpact
