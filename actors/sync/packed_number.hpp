#pragma once
// Arithmetic on elements kept as msgpack bytes, for ValueActor: checking that the bytes are
// one msgpack value (and, for a number, one of the value's kind and width), rewriting a
// number in msgpack's smallest form so equal numbers have equal bytes, and add/subtract with
// std::atomic's wrap-around at the element's width. Never throws: a failure is a text.
#include <mpact/detail/value_core.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace mpact::detail {

// `bytes` as the actor keeps them, or nullopt and `error` saying why they are unusable.
[[nodiscard]] std::optional<std::string> canonical(Number number, std::string_view bytes,
                                                   std::string& error);

// `current` op `operand` (both canonical), or nullopt and `error` (not a number value).
[[nodiscard]] std::optional<std::string> combine(Number number, ValueOp op,
                                                 std::string_view current, std::string_view operand,
                                                 std::string& error);

}  // namespace mpact::detail
