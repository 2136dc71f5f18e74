#pragma once
/// Turning values into msgpack bytes and back, with the decode limits every mpact receiver
/// applies. Any msgpack-adaptable type works: numbers, strings, standard containers,
/// std::optional, std::tuple, and user structs with MSGPACK_DEFINE.
#include <mpact/errors.hpp>

#include <msgpack.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace mpact {

/// Limits for decoding bytes from another process. Oversized or too deeply nested input is a
/// ProtocolError, never a crash.
struct DecodeLimits {
    std::size_t max_bytes = std::size_t{1} << 31;  ///< largest frame accepted (2 GiB)
    std::size_t max_depth = 64;                    ///< nesting of arrays/maps
    std::size_t max_elements = std::size_t{1} << 28;  ///< per array/map/str/bin
};

namespace detail {
[[nodiscard]] msgpack::object_handle unpack_bounded(std::string_view bytes,
                                                    const DecodeLimits& limits);
[[nodiscard]] std::string describe_msgpack(const msgpack::object& obj);
}  // namespace detail

/// Serialises `value` to msgpack bytes.
template <class T>
[[nodiscard]] std::string pack(const T& value) {
    // Starts small: most messages are a few bytes, and msgpack's 8 KiB default costs a slow
    // path of malloc per call (the buffer doubles as needed for large values).
    msgpack::sbuffer buffer(64);
    msgpack::pack(buffer, value);
    return std::string(buffer.data(), buffer.size());
}

namespace detail {
/// Converts an already decoded msgpack value into T; ProtocolError when it does not fit.
template <class T>
[[nodiscard]] T from_object(const msgpack::object& obj) {
    try {
        return obj.as<T>();
    } catch (const msgpack::type_error&) {
        throw ProtocolError("expected a value convertible to the requested type, got " +
                            describe_msgpack(obj));
    }
}
}  // namespace detail

/// Deserialises msgpack bytes into T. Throws ProtocolError (naming the expected type) when
/// the bytes are malformed, exceed `limits`, or do not convert to T.
template <class T>
[[nodiscard]] T unpack(std::string_view bytes, const DecodeLimits& limits = {}) {
    auto handle = detail::unpack_bounded(bytes, limits);
    return detail::from_object<T>(handle.get());
}

}  // namespace mpact
