#pragma once
// Messages between the pool actor (in the caller's process) and its workers. Credit-based:
// a worker's Work request carries the results of its last chunk (acknowledged by the reply)
// and asks for the next chunk, which travels as one message.
#include <mpact/codec.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mpact::pool_protocol {

/// One task of a chunk: its id, the registered task's name and packed arguments.
struct Item {
    std::uint64_t id = 0;
    std::string task;
    std::string args;
    MSGPACK_DEFINE(id, task, args)
};

/// A chunk for a worker; `stop` tells it to exit.
struct Chunk {
    std::vector<Item> items;
    bool stop = false;
    MSGPACK_DEFINE(items, stop)
};

/// The outcome of one task.
struct Done {
    std::uint64_t id = 0;
    bool ok = true;
    std::string value;  // packed result when ok
    std::string kind, message, stack;
    MSGPACK_DEFINE(id, ok, value, kind, message, stack)
};

/// A worker's request: results of its last chunk, and whether it wants another.
struct Work {
    std::uint32_t worker = 0;
    std::vector<Done> results;
    bool want_more = true;
    MSGPACK_DEFINE(worker, results, want_more)
};

/// From the caller's threads: new tasks (or close/join) wait in the shared core.
struct Kick {
    MSGPACK_DEFINE()
};
/// From the caller: kill every worker now and fail what is pending.
struct Terminate {
    MSGPACK_DEFINE()
};

}  // namespace mpact::pool_protocol
