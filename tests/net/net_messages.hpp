#pragma once
// What the net tests' programs say to each other (net_peer.cpp, net_test.cpp).
#include <mpact/actor.hpp>
#include <mpact/codec.hpp>

#include <atomic>
#include <string>

namespace net_test {

struct Echo {
    std::string text;
    MSGPACK_DEFINE(text)
};

// Answers Echo with the text and " back"; counts what it handled.
inline std::atomic<int> g_echoed{0};
struct Echoer : mpact::Actor {
    Echoer() {
        handle([](const Echo& e) {
            ++g_echoed;
            return e.text + " back";
        });
    }
};

}  // namespace net_test
