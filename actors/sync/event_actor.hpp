#pragma once
// The actor behind an Event: the flag and the waiters parked until it is set.
#include "sync_actor.hpp"

#include <cstdint>
#include <map>

namespace mpact::detail {

class EventActor : public SyncActor {
  public:
    EventActor();

  private:
    struct Waiter {
        pid_t pid = 0;
        Reply<bool> reply;
        std::uint64_t timer = 0;
    };
    void on_wait(const sync_protocol::EventWait& m, Reply<bool> reply);
    void on_process_end(pid_t pid) override;

    bool flag_ = false;
    std::map<std::uint64_t, Waiter> waiters_;
    std::uint64_t next_waiter_ = 0;
};

}  // namespace mpact::detail
