#pragma once
// Messages between the pool actor (in the caller's process) and its workers. Credit-based:
// a worker's Work request carries the results of its last chunk (acknowledged by the reply)
// and asks for the next chunk, which travels as one message.
#include <mpact/codec.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mpact::pool_protocol {

/// One chunk of tasks: its id, the registered task's name, and `count` packed argument
/// tuples laid end to end.
struct Item {
    std::uint64_t id = 0;
    std::string task;
    std::uint32_t count = 0;
    std::string args;
    MSGPACK_DEFINE(id, task, count, args)
};

/// A task of a chunk that threw: its offset in the chunk and the error.
struct Failure {
    std::uint32_t offset = 0;
    std::string kind, message, stack;
    MSGPACK_DEFINE(offset, kind, message, stack)
};

/// Chunks for a worker (one message); `stop` tells it to exit.
struct Chunk {
    std::vector<Item> items;
    bool stop = false;
    MSGPACK_DEFINE(items, stop)
};

/// The outcome of one chunk: every task's packed result end to end (nil where it threw).
struct Done {
    std::uint64_t id = 0;
    std::string results;
    std::vector<Failure> failures;
    MSGPACK_DEFINE(id, results, failures)
};

/// A worker's request: results of its last chunk, and whether it wants another.
struct Work {
    std::uint32_t worker = 0;
    std::vector<Done> results;
    bool want_more = true;
    MSGPACK_DEFINE(worker, results, want_more)
};

/// One-way, from a worker busy with slow tasks: results so far (repeated, acknowledged, in
/// its next Work; the pool keeps the first copy of each).
struct Partial {
    std::vector<Done> results;
    MSGPACK_DEFINE(results)
};

/// From the caller: kill every worker now and fail what is pending.
struct Terminate {
    MSGPACK_DEFINE()
};

}  // namespace mpact::pool_protocol
