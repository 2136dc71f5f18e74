#pragma once
// WaitQueue: the requests a Lock, Semaphore or Event actor has parked, oldest first. The
// actor's SyncActor::park, drop_if and next_live work on it, because they need its timers.
#include <mpact/actor.hpp>
#include <mpact/detail/sync_handle.hpp>

#include <cstdint>
#include <map>

namespace mpact::detail {

/// A parked request: who asked, its ticket (0 for an Event), the reply it waits for, and the
/// timer that answers it when its wait bound passes (0: none).
template <class R>
struct Waiter {
    Owner owner;
    std::uint64_t ticket = 0;
    Reply<R> reply;
    std::uint64_t timer = 0;
    ActorRef agent;         // a lock requester's LeaseAgent: its grant is a lease
    bool try_only = false;  // a lock's acquire(0) parked only while a lease holder is asked
};

template <class R>
struct WaitQueue {
    std::map<std::uint64_t, Waiter<R>> by_arrival;
    std::uint64_t next_id = 0;

    [[nodiscard]] bool empty() const noexcept { return by_arrival.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return by_arrival.size(); }
};

}  // namespace mpact::detail
