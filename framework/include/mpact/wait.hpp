#pragma once
/// Waiting on several mpact objects at once. Python: multiprocessing.connection.wait.
#include <mpact/time.hpp>

#include <optional>
#include <vector>

namespace mpact {

/// A file descriptor that becomes readable when its object is ready: a Process's sentinel
/// (readable once it has ended), a Connection (readable when a message or EOF is waiting).
/// Owned by its object; valid while the object lives.
struct Sentinel {
    int fd = -1;
    friend bool operator==(const Sentinel&, const Sentinel&) = default;
};

/// Waits until at least one of `objects` is ready or `timeout` passes; returns the ready
/// ones in input order (empty on timeout). Without a timeout it waits until one is ready.
/// Python: multiprocessing.connection.wait(object_list, timeout).
[[nodiscard]] std::vector<Sentinel> wait(const std::vector<Sentinel>& objects,
                                         std::optional<Duration> timeout = std::nullopt);

}  // namespace mpact
