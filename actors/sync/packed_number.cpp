#include "packed_number.hpp"

#include <mpact/codec.hpp>

#include <cstdint>
#include <exception>
#include <limits>
#include <variant>

namespace mpact::detail {

namespace {

// One decoded number: int64 for a signed integer, uint64 for an unsigned one, double for
// a floating-point one.
using Scalar = std::variant<std::int64_t, std::uint64_t, double>;

std::uint64_t mask(std::uint8_t bits) noexcept {
    return bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1;
}

// Two's complement at `bits`: the low bits of `r`, sign-extended.
std::int64_t wrap_signed(std::uint64_t r, std::uint8_t bits) noexcept {
    r &= mask(bits);
    if (bits < 64 && (r >> (bits - 1)) != 0) r |= ~mask(bits);
    return static_cast<std::int64_t>(r);
}

std::optional<Scalar> decode(Number number, const msgpack::object& o, std::string& error) {
    const bool integer =
        o.type == msgpack::type::POSITIVE_INTEGER || o.type == msgpack::type::NEGATIVE_INTEGER;
    switch (number.kind) {
        case NumberKind::signed_integer: {
            const auto max = static_cast<std::uint64_t>(mask(number.bits - 1));
            const auto min = -static_cast<std::int64_t>(max) - 1;
            if (o.type == msgpack::type::POSITIVE_INTEGER && o.via.u64 <= max) {
                return Scalar{static_cast<std::int64_t>(o.via.u64)};
            }
            if (o.type == msgpack::type::NEGATIVE_INTEGER && o.via.i64 >= min) {
                return Scalar{o.via.i64};
            }
            error = integer ? "integer out of range" : "not an integer";
            break;
        }
        case NumberKind::unsigned_integer:
            if (o.type == msgpack::type::POSITIVE_INTEGER && o.via.u64 <= mask(number.bits)) {
                return Scalar{o.via.u64};
            }
            error = integer ? "integer out of range" : "not an integer";
            break;
        case NumberKind::floating:
            if (o.type == msgpack::type::FLOAT32 || o.type == msgpack::type::FLOAT64) {
                return Scalar{o.via.f64};
            }
            // msgpack-c writes a whole double (4.0, and -0.0 too) as an integer.
            if (o.type == msgpack::type::POSITIVE_INTEGER) {
                return Scalar{static_cast<double>(o.via.u64)};
            }
            if (o.type == msgpack::type::NEGATIVE_INTEGER) {
                return Scalar{static_cast<double>(o.via.i64)};
            }
            error = "not a floating-point number";
            break;
        case NumberKind::none:
            error = "the value does not hold numbers";
            break;
    }
    error += " for a " + std::to_string(number.bits) + "-bit element: " + describe_msgpack(o);
    return std::nullopt;
}

std::string encode(Number number, const Scalar& s) {
    if (number.kind == NumberKind::floating) {
        const double d = std::get<double>(s);
        return number.bits == 32 ? pack(static_cast<float>(d)) : pack(d);
    }
    if (const auto* i = std::get_if<std::int64_t>(&s)) return pack(*i);
    return pack(std::get<std::uint64_t>(s));
}

Scalar apply(Number number, ValueOp op, const Scalar& a, const Scalar& b) {
    const bool add = op == ValueOp::add;
    if (number.kind == NumberKind::floating) {
        const double x = std::get<double>(a);
        const double y = std::get<double>(b);
        if (number.bits == 32) {  // in float, as std::atomic<float> would
            const auto fx = static_cast<float>(x);
            const auto fy = static_cast<float>(y);
            return Scalar{static_cast<double>(add ? fx + fy : fx - fy)};
        }
        return Scalar{add ? x + y : x - y};
    }
    if (number.kind == NumberKind::signed_integer) {
        const auto x = static_cast<std::uint64_t>(std::get<std::int64_t>(a));
        const auto y = static_cast<std::uint64_t>(std::get<std::int64_t>(b));
        return Scalar{wrap_signed(add ? x + y : x - y, number.bits)};
    }
    const auto x = std::get<std::uint64_t>(a);
    const auto y = std::get<std::uint64_t>(b);
    return Scalar{(add ? x + y : x - y) & mask(number.bits)};
}

}  // namespace

std::optional<std::string> canonical(Number number, std::string_view bytes, std::string& error) {
    try {
        ScratchParse parsed(bytes, DecodeLimits{});
        if (number.kind == NumberKind::none) return std::string(bytes);
        auto scalar = decode(number, parsed.get(), error);
        if (!scalar) return std::nullopt;
        return encode(number, *scalar);
    } catch (const std::exception& e) {
        error = std::string("an element is not one msgpack value: ") + e.what();
        return std::nullopt;
    }
}

std::optional<std::string> combine(Number number, ValueOp op, std::string_view current,
                                   std::string_view operand, std::string& error) {
    try {
        if (number.kind == NumberKind::none) {
            error = "fetch_add/fetch_sub/add on a value that does not hold numbers";
            return std::nullopt;
        }
        ScratchParse a(current, DecodeLimits{});
        auto x = decode(number, a.get(), error);
        if (!x) return std::nullopt;
        ScratchParse b(operand, DecodeLimits{});
        auto y = decode(number, b.get(), error);
        if (!y) return std::nullopt;
        return encode(number, apply(number, op, *x, *y));
    } catch (const std::exception& e) {
        error = std::string("an operand is not one msgpack value: ") + e.what();
        return std::nullopt;
    }
}

}  // namespace mpact::detail
