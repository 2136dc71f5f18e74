#pragma once
// The supervisor actor: starts the children in order, monitors each, and on a Down applies
// its strategy. Stopping siblings (ActorRef::stop blocks) happens on a helper thread, which
// then asks the actor to Restart them; their Downs meanwhile are expected and ignored.
#include <mpact/actor.hpp>
#include <mpact/supervisor.hpp>

#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "protocol.hpp"

namespace mpact::detail {

class SupervisorActor : public Actor {
public:
    SupervisorActor(SupervisorOptions options, std::vector<ChildSpec> specs);
    void on_start() override;
    void on_down(const Down& down) override;
    void on_stop(const std::string& reason) override;

private:
    void start_child(std::size_t index);
    /// Stops `indices` on a helper thread, then restarts them (in order) if `restart`.
    void stop_then_restart(std::vector<std::uint32_t> indices, bool restart);
    bool over_intensity();

    SupervisorOptions options_;
    std::vector<ChildSpec> specs_;
    std::vector<ActorRef> refs_;
    std::set<std::pair<std::string, std::string>> expected_;  // Downs we caused
    std::deque<Clock::time_point> restarts_;
    int total_restarts_ = 0;
    std::uint64_t generation_ = 0;
    bool shutting_down_ = false;
};

}  // namespace mpact::detail
