#pragma once
// What Connection's receive templates must see: received frames and the in-place path for
// large byte messages. Not part of the API.
#include <mpact/codec.hpp>

#include <msgpack.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace mpact::detail {
/// A received frame's payload (bytes owned here; large ones in their own mapping).
struct FrameFree {
    std::size_t mapped = 0;  ///< bytes mapped with mmap, or 0 for new[]
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
/// Asks for transparent huge pages over [data, data + size) before it is first touched.
void advise_huge_pages(void* data, std::size_t size) noexcept;
template <class T>
inline constexpr bool is_byte_buffer_v =
    std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<char>> ||
    std::is_same_v<T, std::vector<unsigned char>>;
/// Sizes a byte container for `size` bytes, huge pages advised, and returns its storage.
template <class T>
char* place_bytes(void* target, std::size_t size) {
    auto& out = *static_cast<T*>(target);
    out.reserve(size);
    advise_huge_pages(out.data(), size);
    out.resize(size);
    return reinterpret_cast<char*>(out.data());
}

}  // namespace mpact::detail
