#pragma once
// Whole reads and writes on a blocking descriptor, retried across EINTR and short transfers.
#include <cstddef>

namespace mpact::detail {

// Writes all `size` bytes; false on error or a closed peer (never a SIGPIPE).
bool write_all(int fd, const char* data, std::size_t size);
// Reads exactly `size` bytes; false on error or end of file first.
bool read_all(int fd, char* data, std::size_t size);

}  // namespace mpact::detail
