#pragma once
// The broker behind every Queue, SimpleQueue and JoinableQueue: it holds the items, parks
// getters while the queue is empty and producers asking for room (credits) while a bounded
// queue is full, and leases items to consumers until they are acknowledged, so nothing is
// lost when a process dies (design §4). Lives in the process that created the queue; runs on
// its node's I/O thread.
#include <mpact/actor.hpp>

#include "credit_ledger.hpp"
#include "protocol.hpp"

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace mpact::detail {

/// Items with consecutive sequence numbers, as they arrived in one Put (or what is left of
/// them). Sequence numbers keep items given back by a consumer in their original place.
struct ItemRun {
    std::uint64_t seq = 0;  // sequence number of the first remaining item
    std::vector<std::uint32_t> sizes;
    std::string bytes;
    std::size_t first = 0;   // index of the first remaining item
    std::size_t offset = 0;  // byte offset of the first remaining item
    [[nodiscard]] std::size_t left() const noexcept { return sizes.size() - first; }
};

class QueueActor : public Actor {
  public:
    QueueActor(std::size_t maxsize, bool joinable);

  private:
    struct Lease {
        std::uint64_t id = 0;
        pid_t pid = 0;
        std::vector<ItemRun> runs;
        std::size_t extra = 0;  // items beyond the first: prefetched, still taking room
    };
    template <class R>
    struct Parked {
        pid_t pid = 0;
        Reply<R> reply;
        std::uint64_t timer = 0;
        std::uint64_t consumer = 0;  // getters
        std::uint32_t max = 1;       // getters: items; producers: credits wanted
    };
    using Nil = msgpack::type::nil_t;

    void on_put(queue_protocol::Put& put, Reply<std::uint32_t> reply);
    void on_credit(const queue_protocol::Credit& credit, Reply<std::uint32_t> reply);
    void on_get(const queue_protocol::Get& get, Reply<queue_protocol::Batch> reply);
    void on_return(const queue_protocol::Return& ret);
    void on_down(const Down& down) override;
    // Items nobody will read any more: large ones have files to delete.
    void on_stop(const std::string& reason) override;

    // Adds items at the back (a new sequence range).
    void append(queue_protocol::Items&& items);
    // Puts runs back in sequence order, skipping their first `used` items.
    void requeue(std::vector<ItemRun>&& runs, std::size_t used);
    // Ends `consumer`'s lease: acknowledged when it is `ack`, else given back whole.
    void settle(std::uint64_t consumer, std::uint64_t ack);
    // Leases up to `max` items to `consumer`.
    queue_protocol::Batch lease(std::uint64_t consumer, pid_t pid, std::size_t max);
    // Serves parked getters and grants room to parked producers while it can.
    void serve();
    // Items that take room in a bounded queue: waiting, or prefetched by a consumer.
    std::size_t occupied() const noexcept { return count_ + prefetched_; }
    void watch(pid_t pid);
    void finish_tasks();

    std::size_t maxsize_;
    bool joinable_;
    std::deque<ItemRun> runs_;    // ordered by seq
    std::size_t count_ = 0;       // items waiting (leased ones excluded)
    std::size_t prefetched_ = 0;  // sum of the leases' `extra`
    std::uint64_t next_seq_ = 0;
    std::uint64_t next_lease_ = 0;
    std::uint64_t next_ticket_ = 0;
    std::unordered_map<std::uint64_t, Lease> leases_;  // by consumer: at most one each
    std::unordered_map<std::uint64_t, pid_t> consumers_;
    std::unordered_set<std::uint64_t> dead_consumers_;
    std::unordered_set<pid_t> watched_;
    std::map<std::uint64_t, Parked<queue_protocol::Batch>> getters_;  // by ticket: FIFO
    std::map<std::uint64_t, Parked<std::uint32_t>> producers_;        // waiting for room: FIFO
    CreditLedger credits_;
    std::map<std::uint64_t, Parked<Nil>> joiners_;
    std::uint64_t unfinished_ = 0;  // JoinableQueue: items put and not yet task_done()
};

}  // namespace mpact::detail
