#pragma once
// The kind of an mpact message (envelope field 1, docs/protocol.md). Primitives see it in the
// callback of Node::request_async; the envelope itself stays private to the framework.
#include <cstdint>

namespace mpact::detail {

enum class Kind : std::uint8_t {
    send = 1,     // one-way message; payload = the message
    request = 2,  // expects one reply or error with the same corr; payload = the message
    reply = 3,    // payload = the result
    error = 4,    // payload = [kind, message, stack] of the failure
    batch = 5,    // one-way messages coalesced; payload = wire/batch.hpp's groups
};

}  // namespace mpact::detail
