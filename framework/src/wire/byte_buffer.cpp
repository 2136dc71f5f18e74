#include <mpact/byte_buffer.hpp>

#include <sys/mman.h>

#include <cstdint>

namespace mpact::detail {

void advise_huge_pages(void* data, std::size_t size) noexcept {
    // Only whole 2 MiB pages inside the range: the advice must not reach a neighbour's memory.
    auto begin = (reinterpret_cast<std::uintptr_t>(data) + kHugePage - 1) / kHugePage * kHugePage;
    auto end = (reinterpret_cast<std::uintptr_t>(data) + size) / kHugePage * kHugePage;
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace mpact::detail
