#pragma once
/// Large byte storage the process keeps for reuse: mappings of whole 2 MiB pages with
/// transparent huge pages advised, handed back and forth between payloads instead of being
/// returned to the kernel. Fresh memory is the dearest part of a large transfer: on these VMs
/// the host takes back pages freed for ~2 s (free page reporting) and touching them again
/// cost 100-600 ms per 64 MiB, against 7-9 ms for pages the process kept (docs/architecture.md,
/// "Large payloads"). Used by mpact::Bytes and Connection's receive frames; not part of the API.
#include <cstddef>
#include <cstdint>

namespace mpact::detail {

inline constexpr std::size_t kHugePage = std::size_t{2} << 20;

/// What the process keeps at most, in bytes; a region given back beyond it evicts the
/// least recently kept ones, and a larger region is unmapped at once.
inline constexpr std::size_t kKeptRegionsMax = std::size_t{128} << 20;

/// One mapping. `generation` tells a region mapped before this process forked (kept by a
/// Bytes the child inherited): the child must not reuse its copy-on-write pages.
struct Region {
    char* data = nullptr;
    std::size_t mapped = 0;
    std::uint64_t generation = 0;
};

/// A region of at least `size` bytes (its first bytes are unspecified): a kept one that fits
/// (not more than twice the needed pages), else a fresh mapping. std::bad_alloc if none.
[[nodiscard]] Region acquire_region(std::size_t size);
/// Gives `region` back: kept for the next acquire_region(), or unmapped (see above).
void release_region(Region region) noexcept;
/// How many bytes the process keeps now (for tests and diagnostics).
[[nodiscard]] std::size_t kept_region_bytes() noexcept;
/// Unmaps every kept region.
void drop_kept_regions() noexcept;

}  // namespace mpact::detail
