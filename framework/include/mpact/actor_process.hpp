#pragma once
/// Actors in a process of their own.
///
///     MPACT_ACTOR(Counter);                        // beside the actor, at namespace scope
///     auto [ref, process] = mpact::spawn_process<Counter>("counter");
///     ref.request<int>(Get{}, 1s);
///     ref.stop(1s); process.join();
///
/// Python: a BaseManager serving one registered type in its server process.
/// With StartMethod::fork any actor type works; spawn and forkserver (the default) need the
/// type registered with MPACT_ACTOR, since the child re-runs this binary and must be able to
/// name it. Throws ValueError for an unregistered type with a non-fork method, ProcessError
/// if the actor does not answer within `ready_timeout` (the child is killed then).
#include <mpact/actor.hpp>
#include <mpact/process.hpp>

#include <chrono>
#include <string>
#include <tuple>
#include <utility>

namespace mpact {

namespace detail {
template <class T>
std::string actor_task_name() {
    return "mpact.actor:" + std::string(type_name<T>());
}
template <class T>
void run_actor_task(const msgpack::object& args, msgpack::sbuffer& out) {
    auto [name] = from_object<std::tuple<std::string>>(args);
    serve<T>(std::move(name));
    msgpack::pack(out, msgpack::type::nil_t{});
}
template <class T>
bool register_actor() {
    return register_task_info(TaskInfo{actor_task_name<T>(), "(std::string) -> void",
                                       &run_actor_task<T>,
                                       reinterpret_cast<const void*>(&run_actor_task<T>)});
}
ActorRef await_actor_process(Process& process, const std::string& name, Duration ready_timeout);
}  // namespace detail

/// An actor and the process that hosts it. The process ends when the actor stops.
struct ActorProcess {
    ActorRef ref;
    Process process;
};

/// Starts a new process hosting a default-constructed T under `name` and returns at once:
/// the actor answers at `ActorRef(node_endpoint(*process.pid()), name)` once it is up (see
/// ActorRef::wait_ready, Actor::when_ready). The process ends when the actor stops.
template <class T>
[[nodiscard]] Process start_actor_process(const std::string& name, ProcessOptions options = {}) {
    detail::ProcessTarget target;
    target.closure = [name] { serve<T>(name); };
    try {
        target.task = find_task(detail::actor_task_name<T>()).name;
        target.packed_args = pack(std::make_tuple(name));
    } catch (const ValueError&) {
        target.task.reset();  // fork only; Process::start explains otherwise
    }
    if (options.name.empty()) options.name = name;
    Process process(std::move(options), std::move(target));
    process.start();
    return process;
}

/// Starts a new process hosting a default-constructed T under `name`, and waits until it
/// answers.
template <class T>
[[nodiscard]] ActorProcess spawn_process(std::string name, ProcessOptions options = {},
                                         Duration ready_timeout = std::chrono::seconds(30)) {
    auto process = start_actor_process<T>(name, std::move(options));
    auto ref = detail::await_actor_process(process, name, ready_timeout);
    return ActorProcess{std::move(ref), std::move(process)};
}

}  // namespace mpact

/// Registers actor type T so spawn_process<T> works with every start method.
#define MPACT_ACTOR(T)                                                                       \
    [[maybe_unused]] static const bool MPACT_DETAIL_CAT(mpact_actor_registered_, __LINE__) = \
        ::mpact::detail::register_actor<T>()
