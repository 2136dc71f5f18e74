// Envelope and codec: bounded decoding of whatever arrives from another process.
#include <mpact/codec.hpp>

#include "wire/envelope.hpp"

#include <doctest/doctest.h>

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace {
struct Point {
    int x = 0;
    std::string label;
    MSGPACK_DEFINE(x, label)
};
struct NoFields {
    MSGPACK_DEFINE()
};
struct Named {
    int x = 0;
    MSGPACK_DEFINE_MAP(x)
};
}  // namespace

TEST_CASE("standard containers and user structs round-trip through pack and unpack") {
    std::map<std::string, std::vector<int>> value{{"a", {1, 2}}, {"b", {}}};
    CHECK(mpact::unpack<decltype(value)>(mpact::pack(value)) == value);
    auto p = mpact::unpack<Point>(mpact::pack(Point{3, "three"}));
    CHECK(p.x == 3);
    CHECK(p.label == "three");
    CHECK(mpact::unpack<std::optional<int>>(mpact::pack(std::optional<int>{})) == std::nullopt);
}

TEST_CASE("unpacking into the wrong type is a ProtocolError naming what arrived") {
    try {
        static_cast<void>(mpact::unpack<int>(mpact::pack(std::string("x"))));
        FAIL("expected ProtocolError");
    } catch (const mpact::ProtocolError& e) {
        CHECK(std::string(e.what()).find("string") != std::string::npos);
    }
}

TEST_CASE("truncated, trailing and oversized input is a ProtocolError, never a crash") {
    auto bytes = mpact::pack(std::vector<int>{1, 2, 3});
    CHECK_THROWS_AS(static_cast<void>(mpact::unpack<std::vector<int>>(bytes.substr(0, 2))),
                    mpact::ProtocolError);
    CHECK_THROWS_AS(static_cast<void>(mpact::unpack<std::vector<int>>(bytes + "x")),
                    mpact::ProtocolError);
    mpact::DecodeLimits small{.max_bytes = 2};
    CHECK_THROWS_AS(static_cast<void>(mpact::unpack<std::vector<int>>(bytes, small)),
                    mpact::ProtocolError);
    // An array header claiming 2^32-1 elements must not allocate them.
    std::string hostile = "\xdd\xff\xff\xff\xff";
    CHECK_THROWS_AS(static_cast<void>(mpact::unpack<std::vector<int>>(hostile)),
                    mpact::ProtocolError);
}

TEST_CASE("deeply nested input beyond the depth limit is refused") {
    std::string nested(100, '\x91');  // 100 nested one-element arrays
    nested += '\x01';
    CHECK_THROWS_AS(static_cast<void>(mpact::unpack<msgpack::type::nil_t>(nested)),
                    mpact::ProtocolError);
}

TEST_CASE("an array or map header claiming more elements than the input has bytes is refused") {
    // msgpack reserves a whole array when it reads the header: "dd 10 00 00 00" (2^28
    // elements, within max_elements) made it allocate 4 GiB before finding the input short.
    // The count is refused as it is read instead: a size overflow, not "insufficient bytes".
    for (std::string header :
         {std::string("\xdd\x10\x00\x00\x00", 5), std::string("\xdf\x08\x00\x00\x00", 5)}) {
        CAPTURE(header.size());
        try {
            static_cast<void>(mpact::detail::unpack_bounded(header, mpact::DecodeLimits{}));
            FAIL("no ProtocolError");
        } catch (const mpact::ProtocolError& e) {
            CHECK(std::string(e.what()).find("size overflow") != std::string::npos);
        }
    }
    // Input that holds its elements still decodes.
    CHECK(mpact::unpack<std::vector<int>>(mpact::pack(std::vector<int>(1000, 7))).size() == 1000);
}

TEST_CASE("an envelope header survives encode and decode") {
    mpact::detail::Header h;
    h.kind = mpact::detail::Kind::request;
    h.to = "counter";
    h.from_endpoint = "ipc:///tmp/x/1";
    h.from_name = "client";
    h.corr = 42;
    h.deadline_us = 123;
    h.type = "Add";
    auto decoded = mpact::detail::decode_header(mpact::detail::encode_header(h));
    REQUIRE(decoded.has_value());
    CHECK(decoded->kind == h.kind);
    CHECK(decoded->to == "counter");
    CHECK(decoded->from_name == "client");
    CHECK(decoded->corr == 42);
    CHECK(decoded->type == "Add");
}

TEST_CASE("a header of another version or shape is rejected") {
    CHECK_FALSE(mpact::detail::decode_header("").has_value());
    CHECK_FALSE(mpact::detail::decode_header(mpact::pack(std::vector<int>{2, 1})).has_value());
    mpact::detail::Header h;
    auto bytes = mpact::detail::encode_header(h);
    bytes[1] = '\x02';  // version 2
    CHECK_FALSE(mpact::detail::decode_header(bytes).has_value());
}

TEST_CASE("a struct with the wrong number of fields is a ProtocolError, not defaults") {
    // msgpack's MSGPACK_DEFINE fills missing fields with defaults and ignores extra ones.
    CHECK_THROWS_AS(static_cast<void>(mpact::unpack<Point>(mpact::pack(std::make_tuple()))),
                    mpact::ProtocolError);
    CHECK_THROWS_AS(static_cast<void>(mpact::unpack<Point>(mpact::pack(std::make_tuple(1)))),
                    mpact::ProtocolError);
    try {
        static_cast<void>(
            mpact::unpack<Point>(mpact::pack(std::make_tuple(1, std::string("a"), 3))));
        FAIL("expected ProtocolError");
    } catch (const mpact::ProtocolError& e) {
        CHECK(std::string(e.what()).find("has 2 fields, got an array of 3") != std::string::npos);
    }
    CHECK_THROWS_AS(static_cast<void>(mpact::unpack<NoFields>(mpact::pack(std::make_tuple(1)))),
                    mpact::ProtocolError);
    CHECK_NOTHROW(static_cast<void>(mpact::unpack<NoFields>(mpact::pack(std::make_tuple()))));
    // Maps are matched by key; containers and tuples keep their own rules.
    CHECK(mpact::unpack<Named>(mpact::pack(std::map<std::string, int>{{"x", 4}})).x == 4);
    CHECK(mpact::unpack<std::vector<Point>>(mpact::pack(std::vector<Point>{{1, "a"}, {2, "b"}}))
              .size() == 2);
}
