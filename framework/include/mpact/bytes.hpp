#pragma once
/// mpact::Bytes — a byte string for payloads that come and go (Python: bytes), sent as a
/// msgpack bin and received from a bin or a str.
///
///     mpact::Bytes blob = mpact::Bytes::for_overwrite(64 << 20);
///     std::fill(blob.begin(), blob.end(), 'x');
///     conn.send(blob);
///     auto got = other.recv<mpact::Bytes>();   // read straight into its storage
///
/// Why not std::vector<char>: a Bytes of 2 MiB or more lives in a mapping of its own, and
/// when it is destroyed the process keeps that mapping (up to 128 MiB in all) for the next
/// large Bytes or receive, instead of handing it back to the kernel. Receiving 64 MiB into
/// memory the process kept costs no page faults; into fresh memory it cost 7-9 ms of faults
/// when the kernel had the pages at hand, and 100-600 ms on these VMs when the host had
/// taken them back (docs/architecture.md, "Large payloads"). A received Bytes is not
/// zero-filled first either. Smaller ones are plain heap storage.
#include <mpact/recycled_regions.hpp>

#include <msgpack.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace mpact {

class Bytes {
  public:
    Bytes() noexcept = default;
    /// `size` zero bytes. Python: bytes(size).
    explicit Bytes(std::size_t size);
    /// A copy of `data`. Python: bytes(b"...").
    explicit Bytes(std::string_view data);
    /// `size` bytes left unwritten, for the caller to fill (as std::make_unique_for_overwrite).
    [[nodiscard]] static Bytes for_overwrite(std::size_t size);

    Bytes(const Bytes& other);
    Bytes& operator=(const Bytes& other);
    Bytes(Bytes&& other) noexcept;
    Bytes& operator=(Bytes&& other) noexcept;
    ~Bytes();

    [[nodiscard]] char* data() noexcept { return data_; }
    [[nodiscard]] const char* data() const noexcept { return data_; }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] char* begin() noexcept { return data_; }
    [[nodiscard]] char* end() noexcept { return data_ + size_; }
    [[nodiscard]] const char* begin() const noexcept { return data_; }
    [[nodiscard]] const char* end() const noexcept { return data_ + size_; }
    [[nodiscard]] char& operator[](std::size_t i) noexcept { return data_[i]; }
    [[nodiscard]] const char& operator[](std::size_t i) const noexcept { return data_[i]; }
    [[nodiscard]] std::string_view view() const noexcept { return {data_, size_}; }
    [[nodiscard]] std::span<char> span() noexcept { return {data_, size_}; }
    [[nodiscard]] std::span<const char> span() const noexcept { return {data_, size_}; }

    friend bool operator==(const Bytes& a, const Bytes& b) noexcept { return a.view() == b.view(); }

  private:
    void release() noexcept;
    char* data_ = nullptr;
    std::size_t size_ = 0;
    detail::Region region_;  // empty (mapped == 0) for heap storage
};

/// Gives back to the kernel the large storage this process keeps for reuse (see Bytes);
/// the next large Bytes or receive then takes fresh memory. As glibc's malloc_trim().
void release_kept_bytes() noexcept;

}  // namespace mpact

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
    namespace adaptor {
    template <>
    struct pack<mpact::Bytes> {
        template <class Stream>
        packer<Stream>& operator()(packer<Stream>& o, const mpact::Bytes& b) const {
            if (b.size() > 0xffffffffU) throw msgpack::container_size_overflow("Bytes");
            o.pack_bin(static_cast<std::uint32_t>(b.size()));
            o.pack_bin_body(b.data(), static_cast<std::uint32_t>(b.size()));
            return o;
        }
    };
    template <>
    struct convert<mpact::Bytes> {
        const msgpack::object& operator()(const msgpack::object& o, mpact::Bytes& b) const {
            switch (o.type) {
                case msgpack::type::BIN:
                    b = mpact::Bytes(std::string_view(o.via.bin.ptr, o.via.bin.size));
                    return o;
                case msgpack::type::STR:
                    b = mpact::Bytes(std::string_view(o.via.str.ptr, o.via.str.size));
                    return o;
                default:
                    throw msgpack::type_error();
            }
        }
    };
    }  // namespace adaptor
}
}  // namespace msgpack
