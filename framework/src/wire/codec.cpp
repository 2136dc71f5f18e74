#include <mpact/codec.hpp>

#include <algorithm>
#include <atomic>
#include <string>

namespace mpact::detail {

namespace {

// Large strings, byte arrays and extensions are referenced in place rather than copied
// into the handle's zone (a 64 MiB string would otherwise be copied twice to decode).
bool borrow_large(msgpack::type::object_type type, std::size_t length, void*) {
    return length >= 1024 &&
           (type == msgpack::type::STR || type == msgpack::type::BIN || type == msgpack::type::EXT);
}

std::atomic<std::uint64_t> g_refused{0};

}  // namespace

// Caps msgpack's own unpacker limits so hostile input cannot allocate without bound or
// recurse deeply: the limits are checked while parsing, before any object is built.
msgpack::unpack_limit msgpack_limits(const DecodeLimits& limits, std::size_t bytes) noexcept {
    const std::size_t elements = std::min(limits.max_elements, std::max<std::size_t>(bytes, 1));
    const std::size_t pairs = std::min(limits.max_elements, std::max<std::size_t>(bytes / 2, 1));
    return msgpack::unpack_limit(elements, pairs, limits.max_elements, limits.max_elements,
                                 limits.max_elements, limits.max_depth);
}

void count_refused() noexcept {
    g_refused.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t refused_count() noexcept {
    return g_refused.load(std::memory_order_relaxed);
}

msgpack::object_handle unpack_bounded(std::string_view bytes, const DecodeLimits& limits,
                                      bool borrow) {
    if (bytes.size() > limits.max_bytes) {
        throw ProtocolError("message of " + std::to_string(bytes.size()) +
                            " bytes exceeds the limit of " + std::to_string(limits.max_bytes));
    }
    try {
        std::size_t offset = 0;
        auto handle =
            msgpack::unpack(bytes.data(), bytes.size(), offset, borrow ? borrow_large : nullptr,
                            nullptr, msgpack_limits(limits, bytes.size()));
        if (offset != bytes.size()) {
            throw ProtocolError("trailing bytes after a msgpack value (" +
                                std::to_string(bytes.size() - offset) + " left)");
        }
        return handle;
    } catch (const ProtocolError&) {
        throw;
    } catch (const std::exception& e) {
        throw ProtocolError(std::string("malformed msgpack: ") + e.what());
    }
}

namespace {
// The thread's reusable zone. Reset to nullptr when the thread's locals are destroyed, so a
// parse during exit (after that) takes a fresh zone instead of a freed one.
struct ZoneSlot {
    msgpack::zone* zone = nullptr;
    bool busy = false;
    ~ZoneSlot() {
        delete zone;
        zone = nullptr;
    }
};
thread_local ZoneSlot t_slot;
}  // namespace

ScratchParse::ScratchParse(std::string_view bytes, const DecodeLimits& limits)
    : zone_(nullptr), nested_(t_slot.busy || t_slot.zone == nullptr) {
    if (bytes.size() > limits.max_bytes) {
        throw ProtocolError("message of " + std::to_string(bytes.size()) +
                            " bytes exceeds the limit of " + std::to_string(limits.max_bytes));
    }
    if (!t_slot.busy && t_slot.zone == nullptr) {
        t_slot.zone = new msgpack::zone();
        nested_ = false;
    }
    if (nested_) {
        zone_ = new msgpack::zone();
    } else {
        zone_ = t_slot.zone;
        t_slot.busy = true;
    }
    try {
        std::size_t offset = 0;
        object_ = msgpack::unpack(*zone_, bytes.data(), bytes.size(), offset, borrow_large, nullptr,
                                  msgpack_limits(limits, bytes.size()));
        if (offset != bytes.size()) {
            throw ProtocolError("trailing bytes after a msgpack value (" +
                                std::to_string(bytes.size() - offset) + " left)");
        }
    } catch (const ProtocolError&) {
        release();
        throw;
    } catch (const std::exception& e) {
        release();
        throw ProtocolError(std::string("malformed msgpack: ") + e.what());
    }
}

ScratchParse::~ScratchParse() {
    release();
}

void ScratchParse::release() noexcept {
    if (zone_ == nullptr) return;
    if (nested_) {
        delete zone_;
    } else {
        zone_->clear();
        t_slot.busy = false;
    }
    zone_ = nullptr;
}

std::string describe_msgpack(const msgpack::object& obj) {
    switch (obj.type) {
        case msgpack::type::NIL:
            return "nil";
        case msgpack::type::BOOLEAN:
            return "bool";
        case msgpack::type::POSITIVE_INTEGER:
        case msgpack::type::NEGATIVE_INTEGER:
            return "int";
        case msgpack::type::FLOAT32:
        case msgpack::type::FLOAT64:
            return "float";
        case msgpack::type::STR:
            return "string";
        case msgpack::type::BIN:
            return "bytes";
        case msgpack::type::EXT:
            return "ext";
        case msgpack::type::MAP:
            return "map";
        case msgpack::type::ARRAY: {
            std::string out = "(";
            for (std::uint32_t i = 0; i < obj.via.array.size; ++i) {
                if (i != 0) out += ", ";
                if (i == 8) {
                    out += "...";
                    break;
                }
                out += describe_msgpack(obj.via.array.ptr[i]);
            }
            return out + ")";
        }
    }
    return "unknown";
}

}  // namespace mpact::detail
