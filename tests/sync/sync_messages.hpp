#pragma once
// A counter actor for the sync tests: a shared count read and written by separate messages,
// so an increment is a read-modify-write that only a lock makes exact (Value is not there
// yet). It also counts how many clients are inside a critical section at once.
#include <mpact/actor.hpp>
#include <mpact/codec.hpp>

#include <algorithm>

namespace sync_test {

struct Read {
    MSGPACK_DEFINE()
};
struct Write {
    long value = 0;
    MSGPACK_DEFINE(value)
};
struct Enter {
    MSGPACK_DEFINE()
};
struct Leave {
    MSGPACK_DEFINE()
};
struct MaxInside {
    MSGPACK_DEFINE()
};

struct Counter : mpact::Actor {
    long value = 0;
    int inside = 0;
    int max_inside = 0;
    Counter() {
        handle([this](const Read&) { return value; });
        handle([this](const Write& w) { value = w.value; });
        handle([this](const Enter&) {
            max_inside = std::max(max_inside, ++inside);
            return inside;
        });
        handle([this](const Leave&) { --inside; });
        handle([this](const MaxInside&) { return max_inside; });
    }
};

}  // namespace sync_test
