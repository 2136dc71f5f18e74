#pragma once
/// mpact::Supervisor: an actor that starts child actors, watches them and restarts them
/// when they end, with Erlang/OTP's strategies and restart intensity.
///
///     mpact::Supervisor sup{{.strategy = mpact::RestartStrategy::one_for_all,
///                            .intensity = 3, .period = 5s},
///                           {{"cache", [] { return mpact::spawn<Cache>(); }},
///                            {"server", [] { return mpact::spawn<Server>(); }}}};
///     auto refs = sup.children(1s);   // the current incarnations, in start order
///
/// Python: none (multiprocessing has no supervision); Erlang: supervisor.
/// Strategies: one_for_one restarts the child that ended; one_for_all stops every other
/// child and restarts all; rest_for_one stops and restarts the children started after it.
/// Intensity: more than `intensity` restarts within `period` and the supervisor stops its
/// children and itself (its monitors see "shutdown: reached max restart intensity").
/// A child's start function runs on the supervisor's thread: it must not block (spawn<T> is
/// fine). Throws: TimeoutError / ActorDownError from the queries. Lifetime: the destructor
/// stops the supervisor and its children (bounded). Thread-safety: any thread.
#include <mpact/actor_ref.hpp>
#include <mpact/time.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace mpact {

enum class RestartStrategy { one_for_one, one_for_all, rest_for_one };

/// One child: an id for messages and how to start it (returns the new actor's address).
struct ChildSpec {
    std::string id;
    std::function<ActorRef()> start;
};

/// Supervisor options; designated initialisers are the keyword arguments.
struct SupervisorOptions {
    RestartStrategy strategy = RestartStrategy::one_for_one;
    int intensity = 3;                       ///< restarts allowed within `period`
    Duration period = std::chrono::seconds(5);
};

/// Queries a supervisor answers (to its ref, from any process).
struct WhichChildren {
    MSGPACK_DEFINE()
};
struct CountRestarts {
    MSGPACK_DEFINE()
};

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
    /// The children's current addresses, in start order.
    [[nodiscard]] std::vector<ActorRef> children(Duration timeout) const;
    /// How many restarts the supervisor has made so far.
    [[nodiscard]] int restarts(Duration timeout) const;
    /// Stops the children, then the supervisor. Idempotent.
    void stop();

private:
    ActorRef ref_;
};

}  // namespace mpact
