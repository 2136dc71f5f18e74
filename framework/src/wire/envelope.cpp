#include "wire/envelope.hpp"

#include <chrono>

namespace mpact::detail {

namespace {
// Headers are small; anything bigger or deeper is not a header.
// max_elements also bounds string lengths (names, endpoints), hence 4096.
constexpr DecodeLimits kHeaderLimits{.max_bytes = 64 * 1024, .max_depth = 2, .max_elements = 4096};
constexpr std::uint32_t kHeaderFields = 8;

std::int64_t now_wall_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}
}  // namespace

std::string encode_header(const Header& h) {
    msgpack::sbuffer buffer(128);
    msgpack::packer<msgpack::sbuffer> pk(buffer);
    pk.pack_array(kHeaderFields);
    pk.pack(kEnvelopeVersion);
    pk.pack(static_cast<std::uint8_t>(h.kind));
    pk.pack(h.to);
    pk.pack(h.from_endpoint);
    pk.pack(h.from_name);
    pk.pack(h.corr);
    pk.pack(h.deadline_us);
    pk.pack(h.type);
    return std::string(buffer.data(), buffer.size());
}

std::optional<Header> decode_header(std::string_view bytes) noexcept {
    try {
        auto handle = unpack_bounded(bytes, kHeaderLimits);
        const auto& obj = handle.get();
        if (obj.type != msgpack::type::ARRAY || obj.via.array.size != kHeaderFields) {
            return std::nullopt;
        }
        const auto* f = obj.via.array.ptr;
        if (f[0].as<std::uint8_t>() != kEnvelopeVersion) return std::nullopt;
        auto kind = f[1].as<std::uint8_t>();
        if (kind < 1 || kind > static_cast<std::uint8_t>(Kind::batch)) return std::nullopt;
        Header h;
        h.kind = static_cast<Kind>(kind);
        h.to = f[2].as<std::string>();
        h.from_endpoint = f[3].as<std::string>();
        h.from_name = f[4].as<std::string>();
        h.corr = f[5].as<std::uint64_t>();
        h.deadline_us = f[6].as<std::int64_t>();
        h.type = f[7].as<std::string>();
        return h;
    } catch (...) {
        return std::nullopt;
    }
}

std::int64_t to_wire_deadline(std::optional<std::chrono::steady_clock::time_point> deadline) {
    if (!deadline) return 0;
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(
        *deadline - std::chrono::steady_clock::now());
    return now_wall_us() + std::max<std::int64_t>(left.count(), 0) + 1;
}

bool wire_deadline_passed(std::int64_t deadline_us) noexcept {
    return deadline_us != 0 && now_wall_us() > deadline_us;
}

}  // namespace mpact::detail
