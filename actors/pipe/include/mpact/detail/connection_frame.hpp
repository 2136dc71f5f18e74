#pragma once
// What Connection's receive templates must see: received frames and the in-place path for
// large byte messages. Not part of the API.
#include <mpact/byte_buffer.hpp>
#include <mpact/codec.hpp>
#include <mpact/recycled_regions.hpp>

#include <msgpack.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace mpact::detail {
/// A received frame's payload (bytes owned here; large ones in a recycled region).
struct FrameFree {
    Region region;  ///< recycled storage (recycled_regions.hpp), or empty for new[]
    void operator()(char* p) const noexcept;
};
struct Frame {
    std::unique_ptr<char, FrameFree> data;
    std::size_t size = 0;
};
/// Unpacks a frame within DecodeLimits{} without copying its strings; ProtocolError if bad.
[[nodiscard]] msgpack::object_handle unpack_frame(const Frame& frame);
/// Where a large message that is one msgpack str/bin goes: straight into the caller's
/// container, sized by `place` (no intermediate buffer).
struct BytesSink {
    void* target = nullptr;
    char* (*place)(void* target, std::size_t size) = nullptr;
};
}  // namespace mpact::detail
