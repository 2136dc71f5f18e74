#pragma once
// Messages between queue handles and the queue's broker actor (docs/protocol.md, "Queue").
// Items travel packed: each item is the msgpack bytes of one value, laid end to end in
// `items`, with their sizes in `sizes`. A batch is one message, so a producer killed mid-put
// leaves the whole batch or nothing.
#include <mpact/codec.hpp>

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace mpact::queue_protocol {

/// Items in transit: msgpack bytes of each item end to end, and each item's size. On the wire
/// `[sizes, bytes]` with `sizes` a bin of little-endian uint32 (one memcpy, not one msgpack
/// integer per item: batches hold thousands of items).
struct Items {
    std::vector<std::uint32_t> sizes;
    std::string bytes;
};

/// Request: add items. An unbounded queue takes every batch whole. On a bounded queue each
/// item spends one of producer `pid`'s credits (room the broker reserved for it, see Credit);
/// items beyond its credits are taken only while there is room, else the whole batch is
/// refused with Full. `want` asks for credits on top: the broker tops the producer's credits
/// up towards min(want, its window) (0: none). Never parks.
/// Reply: uint32, the credits granted (always 0 on an unbounded queue).
struct Put {
    std::int32_t pid = 0;
    Items items;
    std::uint32_t want = 0;
    MSGPACK_DEFINE(pid, items, want)
};

/// Request (bounded queues): room for producer `pid`, which holds no credit. The broker
/// grants between 1 and min(want, the producer's window) credits as soon as there is room,
/// parking the request while there is none, at most `wait_us` (-1: as long as the producer
/// lives; 0: not at all), then error Full. Reply: uint32, the credits granted.
struct Credit {
    std::int32_t pid = 0;
    std::uint32_t want = 1;
    std::int64_t wait_us = -1;
    MSGPACK_DEFINE(pid, want, wait_us)
};

/// Request (bounded queues): producer `pid` gives back `credits` it will not spend (it went
/// idle, or closed the queue). Reply: nil.
struct Release {
    std::int32_t pid = 0;
    std::uint32_t credits = 0;
    MSGPACK_DEFINE(pid, credits)
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

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
    namespace adaptor {
    static_assert(std::endian::native == std::endian::little, "Items.sizes travel little-endian");
    template <>
    struct pack<mpact::queue_protocol::Items> {
        template <class Stream>
        packer<Stream>& operator()(packer<Stream>& p, const mpact::queue_protocol::Items& v) const {
            const auto n = static_cast<std::uint32_t>(v.sizes.size() * sizeof(std::uint32_t));
            p.pack_array(2);
            p.pack_bin(n);
            p.pack_bin_body(reinterpret_cast<const char*>(v.sizes.data()), n);
            return p.pack(v.bytes);
        }
    };
    template <>
    struct convert<mpact::queue_protocol::Items> {
        const msgpack::object& operator()(const msgpack::object& o,
                                          mpact::queue_protocol::Items& v) const {
            if (o.type != type::ARRAY || o.via.array.size != 2) throw type_error();
            const auto& sizes = o.via.array.ptr[0];
            if (sizes.type != type::BIN || sizes.via.bin.size % sizeof(std::uint32_t) != 0) {
                throw type_error();
            }
            v.sizes.resize(sizes.via.bin.size / sizeof(std::uint32_t));
            // An empty bin may carry a null pointer, which memcpy must not see even for 0 bytes
            // (found by tests/fuzz).
            if (!v.sizes.empty())
                std::memcpy(v.sizes.data(), sizes.via.bin.ptr, sizes.via.bin.size);
            o.via.array.ptr[1].convert(v.bytes);
            return o;
        }
    };
    }  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS)
}  // namespace msgpack
