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
