#pragma once
// Messages between Value/Array handles and their actor (docs/protocol.md, "Sync
// primitives"). An element travels as its own msgpack bytes (a str holding one complete
// msgpack value): the actor keeps those bytes, and for a number it checks and rewrites them
// in the smallest form msgpack has, so equal numbers have equal bytes. Indices are uint64;
// past the size the reply is IndexError. A message that does not decode, or an element that
// is not one msgpack value (or not a number of the value's kind, for a number), is refused
// with ProtocolError and counted in NodeStats::refused, and changes nothing.
#include <mpact/codec.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mpact::sync_protocol {

/// Request: element `index`. Reply: its bytes (str).
struct ValueLoad {
    static constexpr std::string_view mpact_name = "sync.ValueLoad";
    std::uint64_t index = 0;
    MSGPACK_DEFINE(index)
};
/// Request: elements [first, last), clamped to the size. Reply: array of str.
struct ValueLoadSlice {
    static constexpr std::string_view mpact_name = "sync.ValueLoadSlice";
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    MSGPACK_DEFINE(first, last)
};
/// Request: element `index` becomes `value`. Reply: nil.
struct ValueStore {
    static constexpr std::string_view mpact_name = "sync.ValueStore";
    std::uint64_t index = 0;
    std::string value;
    MSGPACK_DEFINE(index, value)
};
/// Request: [first, last), clamped, becomes `values`. Reply: nil; ValueError when the
/// lengths differ ("Can only assign sequence of same size", Python's words).
struct ValueStoreSlice {
    static constexpr std::string_view mpact_name = "sync.ValueStoreSlice";
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    std::vector<std::string> values;
    MSGPACK_DEFINE(first, last, values)
};
/// Request or one-way: element `index` op= `operand` (op 0 add, 1 subtract), wrapping at
/// the element's width as std::atomic does. Reply: the element before (str). A value that
/// holds no numbers answers ValueError. One-way (Value::add), it is applied in order with
/// the sending thread's other messages, and a failure is only counted.
struct ValueFetch {
    static constexpr std::string_view mpact_name = "sync.ValueFetch";
    std::uint64_t index = 0;
    std::uint8_t op = 0;
    std::string operand;
    MSGPACK_DEFINE(index, op, operand)
};
/// Request: element `index` becomes `desired`. Reply: the element before (str).
struct ValueExchange {
    static constexpr std::string_view mpact_name = "sync.ValueExchange";
    std::uint64_t index = 0;
    std::string desired;
    MSGPACK_DEFINE(index, desired)
};
/// Request: if element `index`'s bytes equal `expected`'s, it becomes `desired`.
/// Reply: ValueSwapped.
struct ValueCompareExchange {
    static constexpr std::string_view mpact_name = "sync.ValueCompareExchange";
    std::uint64_t index = 0;
    std::string expected;
    std::string desired;
    MSGPACK_DEFINE(index, expected, desired)
};
struct ValueSwapped {
    bool exchanged = false;
    std::string current;  // the element now (`desired` when exchanged)
    MSGPACK_DEFINE(exchanged, current)
};

}  // namespace mpact::sync_protocol
