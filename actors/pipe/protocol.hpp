#pragma once
// The frame format both ends of a pipe share (docs/protocol.md, "Pipe frames"). A frame is
// an 8-byte header and `length` payload bytes:
//
//   byte 0      magic 0xA7
//   byte 1      kind: 1 data (payload = the message: msgpack for send(), raw for send_bytes())
//                     2 close (no payload: the sender's end-of-stream mark)
//   bytes 2-3   zero
//   bytes 4-7   payload length, unsigned little-endian, at most max_payload
//
// Anything else is a ProtocolError at the receiver, which then refuses to read on (the
// stream has lost its framing).
#include <cstddef>
#include <cstdint>
#include <optional>

namespace mpact::detail::pipe_protocol {

inline constexpr std::uint8_t magic = 0xA7;
inline constexpr std::size_t header_size = 8;
inline constexpr std::uint32_t max_payload = std::uint32_t{1} << 31;  // DecodeLimits::max_bytes

enum class Kind : std::uint8_t { data = 1, close = 2 };

struct Header {
    Kind kind = Kind::data;
    std::uint32_t length = 0;
};

inline void encode(const Header& h, unsigned char (&out)[header_size]) {
    out[0] = magic;
    out[1] = static_cast<unsigned char>(h.kind);
    out[2] = 0;
    out[3] = 0;
    for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<unsigned char>(h.length >> (8 * i));
}

// std::nullopt for a header that breaks the format.
inline std::optional<Header> decode(const unsigned char (&in)[header_size]) {
    if (in[0] != magic || in[2] != 0 || in[3] != 0) return std::nullopt;
    if (in[1] != static_cast<unsigned char>(Kind::data) &&
        in[1] != static_cast<unsigned char>(Kind::close)) {
        return std::nullopt;
    }
    std::uint32_t length = 0;
    for (int i = 0; i < 4; ++i) length |= std::uint32_t{in[4 + i]} << (8 * i);
    Header h{static_cast<Kind>(in[1]), length};
    if (length > max_payload || (h.kind == Kind::close && length != 0)) return std::nullopt;
    return h;
}

}  // namespace mpact::detail::pipe_protocol

// Python's multiprocessing.connection framing (Framing::python; docs/protocol.md,
// "Listener and Client"): a 4-byte big-endian signed length, or for a payload above
// INT32_MAX the value -1 and then an 8-byte big-endian length. No close mark: EOF is the end
// of the stream.
namespace mpact::detail::python_protocol {

inline constexpr std::size_t short_header = 4;
inline constexpr std::size_t long_header = 12;             // -1, then the 8-byte length
inline constexpr std::uint32_t long_marker = 0xFFFFFFFFu;  // -1 as a 4-byte big-endian int
inline constexpr std::uint64_t short_max = 0x7FFFFFFFu;

// Writes the header for `length` into `out`; returns its size (4 or 12).
inline std::size_t encode(std::uint64_t length, unsigned char (&out)[long_header]) {
    if (length <= short_max) {
        for (int i = 0; i < 4; ++i) out[i] = static_cast<unsigned char>(length >> (8 * (3 - i)));
        return short_header;
    }
    for (int i = 0; i < 4; ++i) out[i] = 0xFF;
    for (int i = 0; i < 8; ++i) out[4 + i] = static_cast<unsigned char>(length >> (8 * (7 - i)));
    return long_header;
}

inline std::uint64_t big_endian(const unsigned char* in, int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | in[i];
    return v;
}

}  // namespace mpact::detail::python_protocol
