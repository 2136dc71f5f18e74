#include <mpact/errors.hpp>
#include <mpact/internal/fd_io.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/internal/session.hpp>
#include <mpact/queue_item.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

namespace mpact::detail {

namespace {
// A spill reference is a msgpack ext8 of this type holding the file name.
constexpr std::int8_t kSpillExt = 77;

std::string path_of(std::string_view name) {
    return scratch_dir() + "/" + std::string(name);
}

// Consumed spill files wait under this prefix for the next large item of any process of the
// session. At most kKeepFiles of them, kKeepBytes in all: a cache, not a leak (the session's
// root removes the directory at exit).
constexpr std::string_view kFreePrefix = "free-";
constexpr int kKeepFiles = 2;
constexpr off_t kKeepBytes = off_t{256} << 20;

// A unique name for a file this process creates or claims.
std::string fresh_name(std::string_view prefix) {
    static std::atomic<std::uint64_t> counter{0};
    return std::string(prefix) + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

// Calls `each(name, size)` for every kept file.
template <class F>
void for_each_kept(F&& each) {
    DIR* dir = ::opendir(scratch_dir().c_str());
    if (dir == nullptr) return;
    while (const dirent* entry = ::readdir(dir)) {
        std::string_view name(entry->d_name);
        if (name.substr(0, kFreePrefix.size()) != kFreePrefix) continue;
        struct stat st {};
        if (::fstatat(::dirfd(dir), entry->d_name, &st, 0) == 0 && !each(name, st.st_size)) break;
    }
    ::closedir(dir);
}

// Opens a kept file for writing under `name` (renaming is the claim: one claimant wins), or -1.
int claim_kept(const std::string& name) {
    int fd = -1;
    for_each_kept([&](std::string_view kept, off_t) {
        if (::rename(path_of(kept).c_str(), path_of(name).c_str()) != 0) return true;  // taken
        fd = ::open(path_of(name).c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0) ::unlink(path_of(name).c_str());
        return false;
    });
    return fd;
}

// Deletes the kept files (every process's): room for an item in flight comes before a
// cache. True when one was deleted.
bool evict_kept() {
    bool evicted = false;
    for_each_kept([&](std::string_view kept, off_t) {
        if (::unlink(path_of(kept).c_str()) == 0) evicted = true;
        return true;
    });
    return evicted;
}

// Writes all of `data` at the file's position; when the file system is full, evicts the kept
// files and goes on. Returns how many bytes were written (less than `size`: errno says why).
std::size_t write_making_room(int fd, const char* data, std::size_t size) {
    constexpr int kEvictions = 4;  // other processes may keep files meanwhile: bounded
    std::size_t done = 0;
    int evictions = 0;
    while (done < size) {
        auto n = ::write(fd, data + done, size - done);
        if (n > 0) {
            done += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == ENOSPC || errno == EDQUOT) && evictions++ < kEvictions &&
            evict_kept()) {
            continue;
        }
        if (n == 0) errno = ENOSPC;
        break;
    }
    return done;
}

// A spill file may begin with nil bytes, padding that aligns the item's payload: readers skip
// them (an item of 1 MiB or more is never a bare nil, so the value starts at the first other byte).
constexpr unsigned char kNil = 0xc0;
constexpr std::size_t kAlignBlock = 64;         // padding is shorter than this
constexpr std::size_t kPayloadAlign = 16;       // the payload's offset within a block
constexpr std::size_t kLongestBytesHeader = 5;  // str32 / bin32

std::size_t padding_of(const unsigned char* data, std::size_t size) {
    std::size_t n = 0;
    while (n < size && data[n] == kNil) ++n;
    return n;
}

// A consumed file: kept for the next large item while the cache has room, deleted otherwise.
// Returns true when kept (its pages stay; closing it frees nothing).
bool keep_or_delete(const std::string& path, off_t size) {
    int files = 0;
    off_t bytes = 0;
    for_each_kept([&](std::string_view, off_t kept) {
        ++files;
        bytes += kept;
        return true;
    });
    if (files < kKeepFiles && bytes + size <= kKeepBytes &&
        ::rename(path.c_str(), path_of(fresh_name(kFreePrefix)).c_str()) == 0) {
        return true;
    }
    ::unlink(path.c_str());
    return false;
}
}  // namespace

ItemWriter::~ItemWriter() {
    if (fd_ >= 0) {  // finish() was not reached: the item never left
        ::close(fd_);
        ::unlink(path_of(name_).c_str());
    }
}

void ItemWriter::write_large(const char* data, std::size_t size) {
    if (fd_ == -1) {
        name_ = fresh_name("q");
        fd_ = claim_kept(name_);
        recycled_ = fd_ >= 0;
        if (fd_ < 0) {
            fd_ = ::open(path_of(name_).c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        }
        // Nil padding first, so that what follows the bytes packed so far (a byte string's
        // payload, after its header) starts 16 bytes past a 64-byte boundary, as glibc places
        // a large allocation: a copy between mutually misaligned buffers ran at half speed.
        pad_ = (kPayloadAlign + kAlignBlock - memory_.size() % kAlignBlock) % kAlignBlock;
        memory_.insert(0, pad_, static_cast<char>(kNil));
        if (fd_ < 0) {
            fall_back_to_memory(memory_.size());
        } else {
            const auto wrote = write_making_room(fd_, memory_.data(), memory_.size());
            if (wrote == memory_.size()) {
                memory_.clear();
                written_ = wrote;
            } else {
                written_ = wrote;
                fall_back_to_memory(memory_.size());
            }
        }
    }
    if (fd_ == kInMemory) {
        memory_.append(data, size);
        return;
    }
    const auto wrote = write_making_room(fd_, data, size);
    written_ += wrote;
    if (wrote < size) {
        fall_back_to_memory(0);
        memory_.append(data + wrote, size - wrote);
    }
}

void ItemWriter::fall_back_to_memory(std::size_t in_memory) {
    // No room in the scratch directory: the item travels in memory after all (slower, but
    // whole). What reached the file comes back first; the nil padding stays behind, since
    // an item in memory must be exactly its msgpack bytes.
    const int saved = errno;
    std::string head;
    if (fd_ >= 0 && in_memory == 0 && written_ > pad_) {
        head.resize(written_ - pad_);
        if (::lseek(fd_, static_cast<off_t>(pad_), SEEK_SET) < 0 ||
            !read_all(fd_, head.data(), head.size())) {
            drop_file();
            throw ProcessError(
                "a large queue item could not be moved out of the full scratch "
                "directory " +
                scratch_dir() + ": " + std::strerror(errno));
        }
    }
    drop_file();
    if (in_memory > 0) {
        memory_.erase(0, pad_);  // the padding and what was packed so far are all here
    } else {
        memory_ = std::move(head);
    }
    fd_ = kInMemory;
    errno = saved;
}

void ItemWriter::drop_file() noexcept {
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(path_of(name_).c_str());
    }
    fd_ = -1;
}

std::string_view ItemWriter::finish() {
    if (fd_ < 0) return memory_;  // in memory (or the fallback, kInMemory)
    // A kept file may be longer than this item: cut it where the writing ended.
    if (recycled_ && ::ftruncate(fd_, ::lseek(fd_, 0, SEEK_CUR)) != 0) {
        ::close(fd_);
        ::unlink(path_of(name_).c_str());
        fd_ = -1;
        throw Full("cannot size the scratch file of a large queue item: " +
                   std::string(std::strerror(errno)));
    }
    ::close(fd_);
    fd_ = -1;
    memory_.clear();
    memory_ += static_cast<char>(0xc7);  // ext8: size, type, data
    memory_ += static_cast<char>(name_.size());
    memory_ += static_cast<char>(kSpillExt);
    memory_ += name_;
    return memory_;
}

namespace {
// A consumed file at `path`, open as `fd` (and mapped at `map`): kept for the next large
// item, or deleted. Closing the last descriptor of a deleted 64 MiB tmpfs file frees its
// pages (~12 ms here): the node's I/O thread does that, off the consumer's path.
void done_reading(const std::string& path, off_t file_size, int fd, void* map = nullptr,
                  std::size_t map_size = 0) {
    auto release = [fd, map, map_size] {
        if (map != nullptr) ::munmap(map, map_size);
        ::close(fd);
    };
    if (keep_or_delete(path, file_size)) {
        release();  // kept: its pages stay, so closing frees nothing
        return;
    }
    try {
        Node::get().post(release);
    } catch (...) {
        release();  // no node (process exit): now
    }
}

// The payload length of a msgpack str/bin header at the start of `head`, and the header's
// size; nullopt for any other value.
std::optional<std::pair<std::size_t, std::size_t>> bytes_header(const unsigned char* head,
                                                                std::size_t have) {
    auto be = [&](std::size_t from, std::size_t n) {
        std::size_t v = 0;
        for (std::size_t i = 0; i < n; ++i) v = (v << 8) | head[from + i];
        return v;
    };
    if (have < 1) return std::nullopt;
    switch (head[0]) {
        case 0xd9:
        case 0xc4:
            return have >= 2 ? std::optional(std::pair(be(1, 1), std::size_t{2})) : std::nullopt;
        case 0xda:
        case 0xc5:
            return have >= 3 ? std::optional(std::pair(be(1, 2), std::size_t{3})) : std::nullopt;
        case 0xdb:
        case 0xc6:
            return have >= 5 ? std::optional(std::pair(be(1, 4), std::size_t{5})) : std::nullopt;
        default:
            return std::nullopt;
    }
}
}  // namespace

bool read_spilled_bytes(std::string_view name, void* target, char* (*place)(void*, std::size_t)) {
    auto path = path_of(name);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw ProtocolError("queue item file " + path + " is missing");
    struct stat st {};
    unsigned char head[kAlignBlock + kLongestBytesHeader] = {};
    auto got = ::pread(fd, head, sizeof head, 0);
    const std::size_t have = got > 0 ? static_cast<std::size_t>(got) : 0;
    const std::size_t pad = padding_of(head, have);
    auto header = ::fstat(fd, &st) == 0 ? bytes_header(head + pad, have - pad) : std::nullopt;
    if (!header || pad + header->second + header->first != static_cast<std::size_t>(st.st_size)) {
        ::close(fd);
        return false;  // not a plain byte string: the general path decodes it
    }
    char* out = place(target, header->first);
    bool ok = ::lseek(fd, static_cast<off_t>(pad + header->second), SEEK_SET) >= 0 &&
              read_all(fd, out, header->first);
    done_reading(path, st.st_size, fd);
    if (!ok) throw ProtocolError("queue item file " + path + " could not be read whole");
    return true;
}

void with_spilled(std::string_view name, const std::function<void(std::string_view)>& use) {
    auto path = path_of(name);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw ProtocolError("queue item file " + path + " is missing");
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size == 0) {
        ::unlink(path.c_str());
        ::close(fd);
        throw ProtocolError("queue item file " + path + " is empty or unreadable");
    }
    auto size = static_cast<std::size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (map == MAP_FAILED) {
        ::close(fd);
        throw ProtocolError("cannot map queue item file " + path);
    }
    // Done only once `use` is: a private mapping still shows later writes to a kept file.
    try {
        const std::size_t pad = padding_of(static_cast<const unsigned char*>(map), size);
        use(std::string_view(static_cast<const char*>(map) + pad, size - pad));
    } catch (...) {
        done_reading(path, st.st_size, fd, map, size);
        throw;
    }
    done_reading(path, st.st_size, fd, map, size);
}

std::string_view spilled_name(std::string_view item) noexcept {
    if (item.size() < 3 || static_cast<unsigned char>(item[0]) != 0xc7 ||
        static_cast<std::int8_t>(item[2]) != kSpillExt ||
        item.size() != std::size_t{3} + static_cast<unsigned char>(item[1])) {
        return {};
    }
    auto name = item.substr(3);
    if (name.empty() || name.find('/') != std::string_view::npos || name[0] == '.') return {};
    return name;
}

void discard_item(std::string_view item) noexcept {
    try {
        if (auto name = spilled_name(item); !name.empty()) ::unlink(path_of(name).c_str());
    } catch (...) {
    }
}

}  // namespace mpact::detail
