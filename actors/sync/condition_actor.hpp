#pragma once
// The actor behind a Condition: the enrolled waiters in arrival order, which of them a notify
// has reached, and the sleeping ones' parked replies. The lock is not here: it is the Lock or
// RLock actor's, reached by the waiting thread itself.
#include "sync_actor.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>

namespace mpact::detail {

class ConditionActor : public SyncActor {
  public:
    ConditionActor();

  private:
    struct Waiter {
        Owner owner;
        std::uint64_t ticket = 0;
        bool notified = false;
        std::optional<Reply<bool>> sleeping;
        std::uint64_t timer = 0;
    };
    void on_sleep(const sync_protocol::CondSleep& m, Reply<bool> reply);
    std::uint32_t on_notify(std::uint32_t n);
    void leave(std::uint64_t ticket);
    void on_process_end(pid_t pid) override;

    std::map<std::uint64_t, Waiter> waiters_;  // by enrolment
    std::unordered_map<std::uint64_t, std::uint64_t> by_ticket_;
    std::uint64_t next_waiter_ = 0;
};

}  // namespace mpact::detail
