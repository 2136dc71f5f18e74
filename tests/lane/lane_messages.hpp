#pragma once
// Messages both lane test binaries send to their echoing, note-keeping actors.
#include <mpact/node.hpp>

#include <msgpack.hpp>

#include <chrono>
#include <thread>

namespace lane_messages {

struct Echo {  // answered with n + 1
    int n = 0;
    MSGPACK_DEFINE(n)
};
struct Note {  // one-way: kept, in arrival order
    int n = 0;
    MSGPACK_DEFINE(n)
};
struct Notes {  // answered with the notes kept so far
    MSGPACK_DEFINE()
};

// Calls `request(i)` (one request/reply) for i = 0, 1, ... until one of them went on a lane:
// a fresh link's lane opens once the peer's accept has been read, and a loaded machine
// delays that past any fixed count of requests. False if not within `limit`. (This
// process's other threads must not be sending on lanes meanwhile.)
template <class Request>
bool until_lane(Request&& request, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (int i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
        const auto before = mpact::node_stats().lane_sent;
        request(i);
        if (mpact::node_stats().lane_sent > before) return true;
        if (i >= 50) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
}

}  // namespace lane_messages
