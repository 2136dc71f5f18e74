#include <mpact/queue_item.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include <mpact/errors.hpp>

#include "node/node.hpp"
#include "node/session.hpp"
#include "transport/fd_io.hpp"

namespace mpact::detail {

namespace {
// A spill reference is a msgpack ext8 of this type holding the file name.
constexpr std::int8_t kSpillExt = 77;

std::string path_of(std::string_view name) {
    return scratch_dir() + "/" + std::string(name);
}
}  // namespace

ItemWriter::~ItemWriter() {
    if (fd_ >= 0) {  // finish() was not reached: the item never left
        ::close(fd_);
        ::unlink(path_of(name_).c_str());
    }
}

void ItemWriter::write_large(const char* data, std::size_t size) {
    if (fd_ < 0) {
        static std::atomic<std::uint64_t> counter{0};
        name_ = "q" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
        fd_ = ::open(path_of(name_).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd_ >= 0 && write_all(fd_, memory_.data(), memory_.size())) {
            memory_.clear();
        } else {
            // No scratch space: the item travels in memory after all.
            if (fd_ >= 0) {
                ::close(fd_);
                ::unlink(path_of(name_).c_str());
            }
            fd_ = -2;
        }
    }
    if (fd_ == -2) {
        memory_.append(data, size);
        return;
    }
    if (!write_all(fd_, data, size)) {
        ::close(fd_);
        ::unlink(path_of(name_).c_str());
        fd_ = -1;
        throw Full("no room in the scratch directory " + scratch_dir() +
                   " for a large queue item: " + std::strerror(errno));
    }
}

std::string_view ItemWriter::finish() {
    if (fd_ < 0) return memory_;  // in memory (or the fallback, fd_ == -2)
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
// Closing the last descriptor of a deleted 64 MiB tmpfs file frees its pages (~12 ms here):
// the node's I/O thread does it, off the consumer's path.
void release_later(int fd, void* map = nullptr, std::size_t size = 0) {
    auto release = [fd, map, size] {
        if (map != nullptr) ::munmap(map, size);
        ::close(fd);
    };
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
        case 0xd9: case 0xc4: return have >= 2 ? std::optional(std::pair(be(1, 1), std::size_t{2})) : std::nullopt;
        case 0xda: case 0xc5: return have >= 3 ? std::optional(std::pair(be(1, 2), std::size_t{3})) : std::nullopt;
        case 0xdb: case 0xc6: return have >= 5 ? std::optional(std::pair(be(1, 4), std::size_t{5})) : std::nullopt;
        default: return std::nullopt;
    }
}
}  // namespace

bool read_spilled_bytes(std::string_view name, void* target, char* (*place)(void*, std::size_t)) {
    auto path = path_of(name);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw ProtocolError("queue item file " + path + " is missing");
    struct stat st {};
    unsigned char head[5] = {};
    auto got = ::pread(fd, head, sizeof head, 0);
    auto header = ::fstat(fd, &st) == 0 && got > 0
                      ? bytes_header(head, static_cast<std::size_t>(got))
                      : std::nullopt;
    if (!header || header->second + header->first != static_cast<std::size_t>(st.st_size)) {
        ::close(fd);
        return false;  // not a plain byte string: the general path decodes it
    }
    ::unlink(path.c_str());  // consumed from here on
    char* out = place(target, header->first);
    bool ok = ::lseek(fd, static_cast<off_t>(header->second), SEEK_SET) >= 0 &&
              read_all(fd, out, header->first);
    release_later(fd);
    if (!ok) throw ProtocolError("queue item file " + path + " could not be read whole");
    return true;
}

void with_spilled(std::string_view name, const std::function<void(std::string_view)>& use) {
    auto path = path_of(name);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw ProtocolError("queue item file " + path + " is missing");
    ::unlink(path.c_str());  // consumed from here on
    struct stat st {};
    if (::fstat(fd, &st) != 0 || st.st_size == 0) {
        ::close(fd);
        throw ProtocolError("queue item file " + path + " is empty or unreadable");
    }
    auto size = static_cast<std::size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (map == MAP_FAILED) {
        ::close(fd);
        throw ProtocolError("cannot map queue item file " + path);
    }
    try {
        use(std::string_view(static_cast<const char*>(map), size));
    } catch (...) {
        release_later(fd, map, size);
        throw;
    }
    release_later(fd, map, size);
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
