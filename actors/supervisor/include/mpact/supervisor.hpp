#pragma once
/// mpact::Supervisor: an actor that starts child actors, watches them and restarts them
/// when they end, with Erlang/OTP's strategies and restart intensity.
///
///     mpact::Supervisor sup{{.strategy = mpact::RestartStrategy::one_for_all,
///                            .intensity = 3, .period = 5s},
///                           {{"cache", [] { return mpact::spawn<Cache>(); }},
///                            mpact::process_child<Server>("server")}};  // own process
///     auto server = sup.child("server", 5s);     // the current incarnation, once it answers
///     // ... server's process dies; a request fails with ActorDownError ...
///     server = sup.child("server", 5s, server);  // its replacement
///
/// Python: none (multiprocessing has no supervision); Erlang: supervisor.
/// Strategies: one_for_one restarts the child that ended; one_for_all stops every other
/// child and restarts all; rest_for_one stops and restarts the children started after it.
/// Restart types: permanent children always restart, transient ones only after an abnormal
/// end (not "normal", "stopped" or "shutdown"), temporary ones never. A process child whose
/// process exits before its actor's Down arrives ends with "process N ended": abnormal.
/// Intensity: more than `intensity` restarts within `period` and the supervisor stops its
/// children and itself (a child announced with ChildRetiring is not counted) (its monitors see
/// "shutdown: reached max restart intensity; child '<id>' last ended: <reason>"). A child's
/// start function runs on the supervisor's thread and must not block: spawn<T>, or
/// process_child<T> (starts the process and returns; the supervisor watches for the actor to
/// answer, within the child's `ready_timeout`, else counts it as a failure). Throws: TimeoutError /
/// ActorDownError from the queries. Lifetime: the destructor stops the supervisor and its children
/// (bounded). Thread-safety: any thread.
#include <mpact/actor_process.hpp>
#include <mpact/actor_ref.hpp>
#include <mpact/restart_policy.hpp>
#include <mpact/time.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace mpact {

/// One child: an id, how to start it (returns the new actor's address without blocking),
/// when to restart it, and how long a new incarnation may take to answer.
struct ChildSpec {
    std::string id;
    std::function<ActorRef()> start;
    ChildRestart restart = ChildRestart::permanent;
    Duration ready_timeout = std::chrono::seconds(30);
};

namespace detail {
/// A start function that runs `start` (which starts a process hosting actor `name`) and
/// returns the actor's address; a previous incarnation's process still running is killed
/// first (bounded), so a child that never answered leaves nothing behind.
std::function<ActorRef()> process_starter(std::string name, std::function<Process()> start);
}  // namespace detail

/// A child hosting actor T (default-constructed, named `id`) in a process of its own, a
/// daemon unless `options` say otherwise. T needs MPACT_ACTOR(T) unless the start method is
/// fork. Python: a manager's server process, restarted.
template <class T>
[[nodiscard]] ChildSpec process_child(std::string id, ProcessOptions options = {}) {
    if (!options.daemon) options.daemon = true;
    auto start = [id, options] { return start_actor_process<T>(id, options); };
    return ChildSpec{id, detail::process_starter(id, std::move(start))};
}

/// Queries a supervisor answers (to its ref, from any process).
struct WhichChildren {
    MSGPACK_DEFINE()
};
struct CountRestarts {
    MSGPACK_DEFINE()
};
/// The current incarnation of child `id` once it answers, other than `not_this`.
struct WhichChild {
    std::string id;
    ActorRef not_this;
    MSGPACK_DEFINE(id, not_this)
};

/// One-way: stop the children (in reverse start order) and then the supervisor, which ends
/// with reason "shutdown"; no child is restarted from then on. Erlang: exit(Sup, shutdown).
/// For an actor that owns a supervisor (its thread must not block on Supervisor::stop).
struct ShutdownSupervisor {
    MSGPACK_DEFINE()
};

/// One-way: child `child` is about to end as planned (a Pool worker retiring after
/// `maxtasksperchild` tasks). It is restarted as its restart type says, but its end is not
/// counted toward the restart intensity: only abnormal ends are.
struct ChildRetiring {
    ActorRef child;
    MSGPACK_DEFINE(child)
};

/// Starts a supervisor actor in this process and returns its address without blocking: the
/// form for an actor that supervises through one (the Pool does). Nobody owns it: stop it
/// with ShutdownSupervisor or ActorRef::stop. ValueError as the Supervisor constructor.
[[nodiscard]] ActorRef spawn_supervisor(SupervisorOptions options, std::vector<ChildSpec> children);

/// Owner of a supervisor actor living in this process.
class Supervisor {
  public:
    Supervisor(SupervisorOptions options, std::vector<ChildSpec> children);
    Supervisor(Supervisor&&) noexcept = default;
    Supervisor& operator=(Supervisor&&) noexcept;
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;
    /// stop(): ends the children and the supervisor, waiting at most a few seconds.
    ~Supervisor();

    [[nodiscard]] const ActorRef& ref() const noexcept { return ref_; }
    /// The children's current addresses, in start order (empty for a child not restarted).
    [[nodiscard]] std::vector<ActorRef> children(Duration timeout) const;
    /// Child `id`'s current incarnation once it answers, waiting while it (re)starts; pass
    /// the ref that failed you as `not_this` to wait for its replacement. ValueError for an
    /// unknown id, ActorDownError if the child ended for good (or the supervisor did).
    [[nodiscard]] ActorRef child(const std::string& id, Duration timeout,
                                 const ActorRef& not_this = {}) const;
    /// How many restarts the supervisor has made so far.
    [[nodiscard]] int restarts(Duration timeout) const;
    /// Stops the children, then the supervisor. Idempotent.
    void stop();

  private:
    ActorRef ref_;
};

}  // namespace mpact
