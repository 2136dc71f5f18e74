#pragma once
// The actor behind a Barrier: the parties waiting in this generation (in arrival order),
// whether it is broken, and, for a barrier with an action, the generation whose last party
// is running it. A party's process that ends while others wait breaks the barrier.
#include "sync_actor.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mpact::detail {

class BarrierActor : public SyncActor {
  public:
    BarrierActor(int parties, bool has_action);

  private:
    struct Waiter {
        Owner owner;
        Reply<sync_protocol::BarrierPass> reply;
        std::uint64_t timer = 0;
        std::int64_t wait_us = -1;
    };
    void on_wait(const sync_protocol::BarrierWait& m, Reply<sync_protocol::BarrierPass> reply);
    void on_action_done(const sync_protocol::BarrierActionDone& m);
    // Every waiter gets BrokenBarrierError(`why`); broken until reset().
    void break_barrier(const std::string& why);
    void release_waiters();
    void on_process_end(pid_t pid) override;

    const int parties_;
    const bool has_action_;
    bool broken_ = false;
    std::uint64_t generation_ = 0;
    std::vector<Waiter> waiting_;      // this generation, by arrival
    std::optional<pid_t> action_pid_;  // the last party runs the action: generation_ is full
    std::vector<Waiter> early_;        // arrived while the action ran: the next generation
};

}  // namespace mpact::detail
