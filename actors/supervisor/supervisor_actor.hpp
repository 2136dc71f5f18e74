#pragma once
// The supervisor actor: starts the children in order, waits (without blocking) for each new
// incarnation to answer, then monitors it; on a Down (or a child that never answered) it
// applies the child's restart type and its strategy. Stopping siblings (ActorRef::stop
// blocks) happens on a helper thread, which then asks the actor to Restart them; their Downs
// meanwhile are expected and ignored.
#include <mpact/actor.hpp>
#include <mpact/restart_policy.hpp>
#include <mpact/supervisor.hpp>

#include "protocol.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace mpact::detail {

class SupervisorActor : public Actor {
  public:
    SupervisorActor(SupervisorOptions options, std::vector<ChildSpec> specs);
    void on_start() override;
    void on_down(const Down& down) override;
    void on_stop(const std::string& reason) override;

  private:
    struct Child {
        ActorRef ref;
        bool ready = false;    // answered since it started
        bool running = false;  // false once it ended and is not to be restarted
    };
    struct Waiter {  // a WhichChild query waiting for a (new) ready incarnation
        std::size_t index = 0;
        ActorRef not_this;
        Reply<ActorRef> reply;
    };

    void start_child(std::size_t index);
    void on_ready(std::size_t index, const ActorRef& ref, bool ok);
    /// `counted`: toward the restart intensity (false for a planned end, see ChildRetiring).
    void child_ended(std::size_t index, const std::string& reason, bool counted = true);
    /// Stops `indices` on a helper thread, then restarts them (in order) if `restart`.
    void stop_then_restart(std::vector<std::uint32_t> indices, bool restart);
    void answer_waiters();

    RestartPolicy policy_;
    std::vector<ChildSpec> specs_;
    std::vector<Child> children_;
    std::vector<Waiter> waiters_;
    std::set<std::pair<std::string, std::string>> expected_;  // Downs we caused
    std::set<std::pair<std::string, std::string>> retiring_;  // planned ends (ChildRetiring)
    int total_restarts_ = 0;
    std::uint64_t generation_ = 0;
    bool shutting_down_ = false;
};

}  // namespace mpact::detail
