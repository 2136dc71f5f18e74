#include <mpact/internal/actor_host.hpp>
#include <mpact/internal/actor_owner.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/process.hpp>

#include <unistd.h>

#include <utility>
#include <vector>

namespace mpact::detail {

namespace {

struct ActorOwner {
    explicit ActorOwner(ActorRef ref) : actor(std::move(ref)) {}
    ActorOwner(const ActorOwner&) = delete;
    ActorOwner& operator=(const ActorOwner&) = delete;
    ~ActorOwner() {
        if (pid != ::getpid()) return;
        auto* node = Node::peek();
        if (node == nullptr) return;
        try {
            std::vector<pid_t> children;
            for (const auto& c : active_children()) {
                if (!c.daemon) children.push_back(c.pid);
            }
            node->post([node, name = actor.name(), children = std::move(children)] {
                auto host = node->find_actor(name);
                if (host && !host->stopping()) host->stop_after(children, "normal");
            });
        } catch (...) {  // a destructor: the actor then ends with its process
        }
    }
    ActorRef actor;
    pid_t pid = ::getpid();
};

}  // namespace

std::shared_ptr<void> own_actor(ActorRef actor) {
    return std::make_shared<ActorOwner>(std::move(actor));
}

}  // namespace mpact::detail
