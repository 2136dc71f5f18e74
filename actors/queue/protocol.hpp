#pragma once
// Messages between queue handles and the queue's broker actor (docs/protocol.md, "Queue").
// Items travel packed: each item is the msgpack bytes of one value, laid end to end in
// `items`, with their sizes in `sizes`. A batch is one message, so a producer killed mid-put
// leaves the whole batch or nothing.
#include <mpact/codec.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mpact::queue_protocol {

/// Items in transit: msgpack bytes of each item end to end, and each item's size.
struct Items {
    std::vector<std::uint32_t> sizes;
    std::string bytes;
    MSGPACK_DEFINE(sizes, bytes)
};

/// Request: add items. Unbounded queues take every batch at once (a producer's buffered
/// puts); a bounded queue takes one item and parks the request while it is full, at most
/// `wait_us` (-1: as long as the producer lives; 0: not at all, fail with Full).
/// Reply: nil once the items are queued.
struct Put {
    std::int32_t pid = 0;
    Items items;
    std::int64_t wait_us = -1;
    MSGPACK_DEFINE(pid, items, wait_us)
};

/// Request: items for consumer `consumer` of process `pid`, at most `max` (the broker may
/// give fewer, never none). `ack` is the lease the consumer received last and has used up
/// entirely (0: none); any other lease of this consumer was never received and goes back.
/// Parks at most `wait_us` (-1: forever; 0: fail with Empty at once when nothing is there).
/// Reply: Batch.
struct Get {
    std::uint64_t consumer = 0;
    std::int32_t pid = 0;
    std::uint32_t max = 1;
    std::uint64_t ack = 0;
    std::int64_t wait_us = -1;
    MSGPACK_DEFINE(consumer, pid, max, ack, wait_us)
};

/// Reply to Get: a lease of items. The broker keeps them until the consumer acknowledges the
/// lease (its next Get) or gives back what it did not use (Return); if the consumer's
/// process dies first they go back to the queue.
struct Batch {
    std::uint64_t lease = 0;
    Items items;
    MSGPACK_DEFINE(lease, items)
};

/// Request: consumer `consumer` used the first `used` items of `lease`; the rest go back
/// to the queue in their original order. Reply: nil.
struct Return {
    std::uint64_t consumer = 0;
    std::uint64_t lease = 0;
    std::uint32_t used = 0;
    MSGPACK_DEFINE(consumer, lease, used)
};

/// Request: the number of items waiting (not leased). Reply: uint64.
struct Size {
    MSGPACK_DEFINE()
};

/// Request (JoinableQueue): one item has been processed. ValueError when called more times
/// than items were put. Reply: nil.
struct TaskDone {
    MSGPACK_DEFINE()
};

/// Request (JoinableQueue): answered once every item put has been marked done, or after
/// `wait_us` (-1: as long as the requester lives) with TimeoutError. Reply: nil.
struct Join {
    std::int32_t pid = 0;
    std::int64_t wait_us = -1;
    MSGPACK_DEFINE(pid, wait_us)
};

}  // namespace mpact::queue_protocol
