#pragma once
/// Turning values into msgpack bytes and back, with the decode limits every mpact receiver
/// applies. Any msgpack-adaptable type works: numbers, strings, standard containers,
/// std::optional, std::tuple, and user structs with MSGPACK_DEFINE.
#include <mpact/errors.hpp>
#include <mpact/type_name.hpp>

#include <msgpack.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mpact {

/// Limits for decoding bytes from another process. Oversized or too deeply nested input is a
/// ProtocolError, never a crash.
struct DecodeLimits {
    std::size_t max_bytes = std::size_t{1} << 31;     ///< largest frame accepted (2 GiB)
    std::size_t max_depth = 64;                       ///< nesting of arrays/maps
    std::size_t max_elements = std::size_t{1} << 28;  ///< per array/map/str/bin
};

namespace detail {
/// msgpack's unpacker limits for `bytes` bytes of input under `limits`. An array or map
/// header's count is also capped by the input's size (each element takes a byte at least):
/// msgpack reserves a whole array when it reads the header, so a 5-byte header claiming
/// 2^28 elements made it allocate 4 GiB (found by the wire fuzzer).
[[nodiscard]] msgpack::unpack_limit msgpack_limits(const DecodeLimits& limits,
                                                   std::size_t bytes) noexcept;
/// Parses `bytes` within `limits`. With `borrow`, large strings and byte arrays in the result
/// point into `bytes` instead of being copied: only for a caller that converts at once.
[[nodiscard]] msgpack::object_handle unpack_bounded(std::string_view bytes,
                                                    const DecodeLimits& limits,
                                                    bool borrow = false);
[[nodiscard]] std::string describe_msgpack(const msgpack::object& obj);

/// Counts one receive refused for its input (NodeStats::refused): Pipe and Queue call it
/// as they raise ProtocolError, so bad input from another process is seen, not just thrown.
void count_refused() noexcept;
[[nodiscard]] std::uint64_t refused_count() noexcept;

/// A bounded parse into a per-thread zone that is reused from call to call, so decoding a
/// small value allocates nothing; large strings are borrowed from `bytes`. The object is
/// valid while this lives and `bytes` does. (A parse nested in another gets its own zone.)
class ScratchParse {
  public:
    ScratchParse(std::string_view bytes, const DecodeLimits& limits);
    ScratchParse(const ScratchParse&) = delete;
    ScratchParse& operator=(const ScratchParse&) = delete;
    ~ScratchParse();
    [[nodiscard]] const msgpack::object& get() const noexcept { return object_; }

  private:
    void release() noexcept;
    msgpack::zone* zone_;
    bool nested_;
    msgpack::object object_;
};
}  // namespace detail

namespace detail {
/// A msgpack output stream appending to a std::string (no intermediate buffer to copy out).
struct StringWriter {
    std::string& out;
    void write(const char* data, std::size_t size) { out.append(data, size); }
};
}  // namespace detail

/// Serialises `value` to msgpack bytes.
template <class T>
[[nodiscard]] std::string pack(const T& value) {
    std::string out;
    detail::StringWriter writer{out};
    msgpack::pack(writer, value);
    return out;
}

/// Appends the msgpack bytes of `value` to `out`; returns how many were appended.
template <class T>
std::size_t pack_append(std::string& out, const T& value) {
    auto before = out.size();
    detail::StringWriter writer{out};
    msgpack::pack(writer, value);
    return out.size() - before;
}

namespace detail {
/// A packer that writes nothing and records the first array header a value's intrusive
/// msgpack_pack (MSGPACK_DEFINE) writes: its number of fields. Fields are not walked.
class FieldCounter : public msgpack::packer<FieldCounter> {
  public:
    FieldCounter() : msgpack::packer<FieldCounter>(*this) {}
    void write(const char* /*data*/, std::size_t /*size*/) noexcept {}
    FieldCounter& pack_array(std::uint32_t n) {
        if (!seen_) fields_ = n;
        seen_ = true;
        return *this;
    }
    FieldCounter& pack_map(std::uint32_t /*n*/) {
        seen_ = true;  // MSGPACK_DEFINE_MAP: fields are found by key, none is counted
        return *this;
    }
    template <class U>
    FieldCounter& pack(const U& /*field*/) {
        seen_ = true;
        return *this;
    }
    [[nodiscard]] std::optional<std::uint32_t> fields() const noexcept { return fields_; }

  private:
    bool seen_ = false;
    std::optional<std::uint32_t> fields_;
};

template <class T>
concept PacksAsDefinedFields = requires(const T& value, FieldCounter& counter) {
    value.msgpack_pack(counter);
};

/// msgpack's MSGPACK_DEFINE takes an array with too few elements (the rest keep their
/// defaults) or too many (the rest are ignored): a foreign client's `[]` became an
/// Increment{0}. This refuses both with ProtocolError, for the struct's top level.
template <class T>
void check_field_count(const msgpack::object& obj, const T& value) {
    if constexpr (PacksAsDefinedFields<T>) {
        if (obj.type != msgpack::type::ARRAY) return;
        FieldCounter counter;
        value.msgpack_pack(counter);
        if (counter.fields() && *counter.fields() != obj.via.array.size) {
            throw ProtocolError("a " + std::string(type_name<T>()) + " has " +
                                std::to_string(*counter.fields()) + " fields, got an array of " +
                                std::to_string(obj.via.array.size) + " " + describe_msgpack(obj));
        }
    }
}

/// Converts an already decoded msgpack value into T; ProtocolError when it does not fit
/// (for a MSGPACK_DEFINE struct: also when the number of fields differs).
template <class T>
[[nodiscard]] T from_object(const msgpack::object& obj) {
    try {
        T value = obj.as<T>();
        check_field_count(obj, value);
        return value;
    } catch (const msgpack::type_error&) {
        throw ProtocolError("expected a value convertible to the requested type, got " +
                            describe_msgpack(obj));
    }
}
}  // namespace detail

/// Deserialises msgpack bytes into T. Throws ProtocolError (naming the expected type) when
/// the bytes are malformed, exceed `limits`, or do not convert to T (a MSGPACK_DEFINE
/// struct needs exactly its number of fields).
template <class T>
[[nodiscard]] T unpack(std::string_view bytes, const DecodeLimits& limits = {}) {
    detail::ScratchParse parsed(bytes, limits);
    return detail::from_object<T>(parsed.get());
}

}  // namespace mpact
