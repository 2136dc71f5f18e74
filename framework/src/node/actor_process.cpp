#include <mpact/actor_process.hpp>
#include <mpact/node.hpp>

namespace mpact::detail {

ActorRef await_actor_process(Process& process, const std::string& name, Duration ready_timeout) {
    ActorRef ref(node_endpoint(static_cast<int>(*process.pid())), name);
    if (!ref.wait_ready(ready_timeout)) {
        process.kill();
        static_cast<void>(process.join(std::chrono::seconds(5)));
        throw ProcessError("actor '" + name + "' in process " + std::to_string(*process.pid()) +
                           " did not answer within the ready timeout");
    }
    return ref;
}

}  // namespace mpact::detail
