#pragma once
// The payload of an error reply (envelope kind 4, docs/protocol.md): [kind, message, stack].
// Written and read here only, so every site agrees on its shape.
#include <mpact/codec.hpp>

#include <string>
#include <string_view>
#include <tuple>

namespace mpact::detail {

struct ErrorPayload {
    std::string kind;     // an mpact error's kind(), or a demangled C++ type name
    std::string message;  // what()
    std::string stack;    // where it was raised, when known; may be empty
};

// The packed payload of an error reply.
inline std::string pack_error(std::string_view kind, std::string_view message,
                              std::string_view stack = {}) {
    return pack(std::make_tuple(std::string(kind), std::string(message), std::string(stack)));
}
// Reads an error payload; throws ProtocolError (unpack's error) when it is not one.
inline ErrorPayload unpack_error(std::string_view payload) {
    auto [kind, message, stack] =
        unpack<std::tuple<std::string, std::string, std::string>>(payload);
    return {std::move(kind), std::move(message), std::move(stack)};
}

}  // namespace mpact::detail
