#include <mpact/internal/fd_io.hpp>

#include <unistd.h>

#include <cerrno>

namespace mpact::detail {

bool write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        auto n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

bool read_all(int fd, char* data, std::size_t size) {
    while (size > 0) {
        auto n = ::read(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace mpact::detail
