#include <mpact/codec.hpp>

#include <string>

namespace mpact::detail {

namespace {

// Caps msgpack's own unpacker limits so hostile input cannot allocate without bound or
// recurse deeply: the limits are checked while parsing, before any object is built.
msgpack::unpack_limit to_msgpack_limit(const DecodeLimits& limits) {
    return msgpack::unpack_limit(limits.max_elements, limits.max_elements, limits.max_elements,
                                 limits.max_elements, limits.max_elements, limits.max_depth);
}

// Large strings, byte arrays and extensions are referenced in place rather than copied
// into the handle's zone (a 64 MiB string would otherwise be copied twice to decode).
bool borrow_large(msgpack::type::object_type type, std::size_t length, void*) {
    return length >= 1024 &&
           (type == msgpack::type::STR || type == msgpack::type::BIN || type == msgpack::type::EXT);
}

}  // namespace

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
                            nullptr, to_msgpack_limit(limits));
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
