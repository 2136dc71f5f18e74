#pragma once
// Whole reads and writes on a blocking descriptor, retried across EINTR and short transfers.
#include <mpact/time.hpp>

#include <cstddef>
#include <optional>

namespace mpact::detail {

// Writes all `size` bytes; false on error or a closed peer (never a SIGPIPE).
bool write_all(int fd, const char* data, std::size_t size);
// Reads exactly `size` bytes; false on error or end of file first.
bool read_all(int fd, char* data, std::size_t size);
// Waits for `events` (poll(2)'s) on `fd` until `deadline` (forever if none), across EINTR:
// 1 ready, 0 timed out, -1 poll failed (errno says why; the caller throws its own type).
int poll_until(int fd, short events, std::optional<Deadline> deadline);

}  // namespace mpact::detail
