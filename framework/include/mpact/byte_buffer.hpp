#pragma once
/// Receiving a large byte buffer without paying for 4 KiB page faults: the containers a
/// large message can be read straight into, sized with transparent huge pages advised before
/// first touch (faulting in 64 MiB page by 4 KiB page cost more than the copy itself, 3x
/// measured). Used by Connection and Queue; not part of the API.
#include <mpact/bytes.hpp>

#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

namespace mpact::detail {

/// Asks for transparent huge pages over the whole 2 MiB pages inside [data, data + size).
void advise_huge_pages(void* data, std::size_t size) noexcept;

template <class T>
inline constexpr bool is_byte_buffer_v =
    std::is_same_v<T, std::string> || std::is_same_v<T, std::vector<char>> ||
    std::is_same_v<T, std::vector<unsigned char>> || std::is_same_v<T, Bytes>;

/// Sizes a byte container for `size` bytes, huge pages advised, and returns its storage.
/// (A Bytes takes recycled storage and skips the zero-fill the standard containers do.)
template <class T>
char* place_bytes(void* target, std::size_t size) {
    auto& out = *static_cast<T*>(target);
    if constexpr (std::is_same_v<T, Bytes>) {
        out = Bytes::for_overwrite(size);
        return out.data();
    } else {
        out.reserve(size);
        advise_huge_pages(out.data(), size);
        out.resize(size);
        return reinterpret_cast<char*>(out.data());
    }
}

}  // namespace mpact::detail
