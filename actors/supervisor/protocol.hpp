#pragma once
// Messages of the supervisor actor. The public queries (WhichChildren, CountRestarts) are in
// <mpact/supervisor.hpp>; these are internal.
#include <mpact/codec.hpp>

#include <cstdint>
#include <vector>

namespace mpact::supervisor_protocol {

/// From the helper thread that stopped the siblings of a failed child: start these again.
struct Restart {
    std::uint64_t generation = 0;
    std::vector<std::uint32_t> children;
    MSGPACK_DEFINE(generation, children)
};

}  // namespace mpact::supervisor_protocol
