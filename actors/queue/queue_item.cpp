#include <mpact/queue_item.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <mpact/errors.hpp>

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
