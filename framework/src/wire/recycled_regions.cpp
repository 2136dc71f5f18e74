#include <mpact/recycled_regions.hpp>

#include <pthread.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <iterator>
#include <mutex>
#include <new>
#include <vector>

namespace mpact::detail {
namespace {

constexpr std::size_t kMostKept = kKeptRegionsMax / kHugePage;

// Most recently kept last. A handful of entries at most (kKeptRegionsMax / 2 MiB in the
// worst case), so a linear scan is the whole index.
struct Kept {
    std::mutex mutex;
    std::vector<Region> regions;
    std::size_t bytes = 0;
    std::uint64_t generation = 0;  // bumped in a forked child
};

void unmap(const Region& region) noexcept {
    ::munmap(region.data, region.mapped);
}

// With the mutex held.
void unmap_all(Kept& self) noexcept {
    for (const auto& region : self.regions) unmap(region);
    self.regions.clear();
    self.bytes = 0;
}

Kept& kept() {
    // Leaked on purpose: Bytes destroyed during static destruction still give regions back.
    static Kept* const instance = [] {
        auto* k = new Kept;
        k->regions.reserve(kMostKept);
        // The child's copies of kept regions are copy-on-write pages of the parent's: reusing
        // them would copy each page, so the child starts with none and a new generation.
        ::pthread_atfork([] { kept().mutex.lock(); }, [] { kept().mutex.unlock(); },
                         [] {
                             auto& self = kept();
                             unmap_all(self);
                             ++self.generation;
                             self.mutex.unlock();
                         });
        return k;
    }();
    return *instance;
}

std::size_t pages_for(std::size_t size) {
    return (std::max<std::size_t>(size, 1) + kHugePage - 1) / kHugePage * kHugePage;
}

}  // namespace

Region acquire_region(std::size_t size) {
    const std::size_t mapped = pages_for(size);
    auto& self = kept();
    std::uint64_t generation = 0;
    {
        std::lock_guard lock(self.mutex);
        generation = self.generation;
        // The most recently kept region that fits: its pages are the likeliest to be warm.
        for (auto it = self.regions.rbegin(); it != self.regions.rend(); ++it) {
            if (it->mapped >= mapped && it->mapped <= 2 * mapped) {
                Region region = *it;
                self.regions.erase(std::next(it).base());
                self.bytes -= region.mapped;
                return region;
            }
        }
    }
    void* p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    // Faulting in 64 MiB 4 KiB page by 4 KiB page cost more than copying it (3x measured).
    ::madvise(p, mapped, MADV_HUGEPAGE);
    return Region{static_cast<char*>(p), mapped, generation};
}

void release_region(Region region) noexcept {
    if (region.data == nullptr) return;
    auto& self = kept();
    // Every kept region is at least 2 MiB, so no more than this many can be let go at once.
    std::array<Region, kMostKept + 1> gone;
    std::size_t gone_count = 0;
    {
        std::lock_guard lock(self.mutex);
        if (region.generation != self.generation || region.mapped > kKeptRegionsMax) {
            gone[gone_count++] = region;
        } else {
            std::size_t drop = 0;  // the least recently kept first
            while (self.bytes + region.mapped > kKeptRegionsMax) {
                self.bytes -= self.regions[drop].mapped;
                gone[gone_count++] = self.regions[drop++];
            }
            self.regions.erase(self.regions.begin(),
                               self.regions.begin() + static_cast<std::ptrdiff_t>(drop));
            self.regions.push_back(region);  // within the capacity reserved: cannot throw
            self.bytes += region.mapped;
        }
    }
    // Outside the lock: unmapping 64 MiB takes milliseconds.
    for (std::size_t i = 0; i < gone_count; ++i) unmap(gone[i]);
}

std::size_t kept_region_bytes() noexcept {
    auto& self = kept();
    std::lock_guard lock(self.mutex);
    return self.bytes;
}

void drop_kept_regions() noexcept {
    auto& self = kept();
    std::lock_guard lock(self.mutex);
    unmap_all(self);
}

}  // namespace mpact::detail
