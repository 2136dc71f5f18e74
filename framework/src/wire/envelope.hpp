#pragma once
// Envelope v1: the msgpack header frame every mpact message starts with (docs/protocol.md).
//   [v, kind, to, from_endpoint, from_name, corr, deadline_us, type]
// followed by exactly one payload frame (msgpack bytes; see Kind for what it holds).
#include <mpact/codec.hpp>
#include <mpact/internal/message_kind.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mpact::detail {

inline constexpr std::uint8_t kEnvelopeVersion = 1;

struct Header {
    Kind kind = Kind::send;
    std::string to;                // actor name at the receiving node
    std::string from_endpoint;     // where replies go; empty = back along the route it came by
    std::string from_name;         // the sending actor, if any (Actor::sender())
    std::uint64_t corr = 0;        // matches a reply to its request
    std::int64_t deadline_us = 0;  // system_clock microseconds since the epoch; 0 = none
    std::string type;              // wire name of the payload's type (mpact::type_name)
};

// Header bytes for `h`.
std::string encode_header(const Header& h);
// Parses a header frame; std::nullopt when it is malformed or of another version (the caller
// counts and drops it). Never throws.
std::optional<Header> decode_header(std::string_view bytes) noexcept;

// Deadline conversion: steady_clock deadlines stay in-process; the wire carries wall-clock
// microseconds so another process (or machine, with synced clocks) can drop expired work.
std::int64_t to_wire_deadline(std::optional<std::chrono::steady_clock::time_point> deadline);
bool wire_deadline_passed(std::int64_t deadline_us) noexcept;

}  // namespace mpact::detail
