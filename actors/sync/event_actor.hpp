#pragma once
// The actor behind an Event: the flag and the waiters parked until it is set.
#include "sync_actor.hpp"

#include <cstdint>

namespace mpact::detail {

class EventActor : public SyncActor {
  public:
    EventActor();

  private:
    void on_wait(const sync_protocol::EventWait& m, Reply<bool> reply);
    void on_process_end(pid_t pid) override;

    bool flag_ = false;
    WaitQueue<bool> waiters_;
};

}  // namespace mpact::detail
