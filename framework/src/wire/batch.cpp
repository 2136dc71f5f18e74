#include "wire/batch.hpp"

namespace mpact::detail {

namespace {

// Counts are written as msgpack array32 (0xdd + 4 bytes, big-endian) so they can be patched
// when the batch or group is complete; any msgpack reader accepts the wider form.
constexpr char kArray32 = static_cast<char>(0xdd);
constexpr std::size_t kArray32Size = 5;
constexpr char kFixArray4 = static_cast<char>(0x94);

void put_be32(std::string& out, std::size_t at, std::uint32_t n) noexcept {
    out[at + 1] = static_cast<char>((n >> 24) & 0xff);
    out[at + 2] = static_cast<char>((n >> 16) & 0xff);
    out[at + 3] = static_cast<char>((n >> 8) & 0xff);
    out[at + 4] = static_cast<char>(n & 0xff);
}

void put_array32_placeholder(std::string& out) {
    out.push_back(kArray32);
    out.append(4, '\0');
}

void put_str(std::string& out, std::string_view s) {
    const auto n = s.size();
    if (n < 32) {
        out.push_back(static_cast<char>(0xa0 | n));
    } else if (n < 0x100) {
        out.push_back(static_cast<char>(0xd9));
        out.push_back(static_cast<char>(n));
    } else if (n < 0x10000) {
        out.push_back(static_cast<char>(0xda));
        out.push_back(static_cast<char>((n >> 8) & 0xff));
        out.push_back(static_cast<char>(n & 0xff));
    } else {
        out.push_back(static_cast<char>(0xdb));
        out.append(4, '\0');
        put_be32(out, out.size() - 5, static_cast<std::uint32_t>(n));
    }
    out.append(s);
}

// Strings and binaries stay in the received frame instead of being copied into the zone:
// the reader lives no longer than the frame (one dispatch).
bool reference_everything(msgpack::type::object_type, std::size_t, void*) {
    return true;
}

// A batch nests a message three levels deep: batch, group, the group's message list.
constexpr std::size_t kBatchNesting = 3;

}  // namespace

void BatchWriter::add(std::string_view to, std::string_view from_name, std::string_view type,
                      std::string_view message) {
    if (buffer_.empty()) put_array32_placeholder(buffer_);
    if (group_messages_ == 0 || to != to_ || from_name != from_name_ || type != type_) {
        close_group();
        open_group(to, from_name, type);
    }
    buffer_.append(message);
    ++group_messages_;
    ++messages_;
}

void BatchWriter::open_group(std::string_view to, std::string_view from_name,
                             std::string_view type) {
    to_.assign(to);
    from_name_.assign(from_name);
    type_.assign(type);
    buffer_.push_back(kFixArray4);
    put_str(buffer_, to);
    put_str(buffer_, from_name);
    put_str(buffer_, type);
    group_count_at_ = buffer_.size();
    put_array32_placeholder(buffer_);
    ++groups_;
}

void BatchWriter::close_group() noexcept {
    if (group_messages_ == 0) return;
    put_be32(buffer_, group_count_at_, group_messages_);
    group_messages_ = 0;
}

std::string BatchWriter::take() {
    close_group();
    if (!buffer_.empty()) put_be32(buffer_, 0, groups_);
    groups_ = 0;
    messages_ = 0;
    return std::exchange(buffer_, std::string());
}

std::optional<BatchReader> BatchReader::decode(std::string_view payload,
                                               std::size_t max_bytes) noexcept {
    if (payload.size() > max_bytes) return std::nullopt;
    DecodeLimits limits;
    limits.max_depth += kBatchNesting;
    try {
        std::size_t offset = 0;
        auto handle = msgpack::unpack(payload.data(), payload.size(), offset, &reference_everything,
                                      nullptr, msgpack_limits(limits, payload.size()));
        if (offset != payload.size()) return std::nullopt;
        const auto& root = handle.get();
        if (root.type != msgpack::type::ARRAY) return std::nullopt;
        for (std::uint32_t i = 0; i < root.via.array.size; ++i) {
            const auto& g = root.via.array.ptr[i];
            if (g.type != msgpack::type::ARRAY || g.via.array.size != 4) return std::nullopt;
            const auto* f = g.via.array.ptr;
            if (f[0].type != msgpack::type::STR || f[1].type != msgpack::type::STR ||
                f[2].type != msgpack::type::STR || f[3].type != msgpack::type::ARRAY) {
                return std::nullopt;
            }
        }
        return BatchReader(std::move(handle));
    } catch (...) {
        return std::nullopt;
    }
}

BatchGroup BatchReader::group(std::uint32_t i) const noexcept {
    const auto* f = root().via.array.ptr[i].via.array.ptr;
    auto str = [](const msgpack::object& o) {
        return std::string_view(o.via.str.ptr, o.via.str.size);
    };
    return BatchGroup{str(f[0]), str(f[1]), str(f[2]), f[3].via.array.ptr, f[3].via.array.size};
}

}  // namespace mpact::detail
