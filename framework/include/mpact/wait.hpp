#pragma once
/// Waiting on several mpact objects at once. Python: multiprocessing.connection.wait.
#include <mpact/time.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
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

/// Anything mpact::wait takes: an object with sentinel() — a Process (ready once it has
/// ended), a Connection (ready when a message or EOF is waiting), a Listener (ready when a
/// client waits to be accepted). Queues are not waitable yet (they have no descriptor).
template <class T>
concept Waitable = requires(const T& t) {
    { t.sentinel() } -> std::convertible_to<Sentinel>;
};

namespace detail {
// A Connection may hold what makes it ready outside its descriptor (a header already read,
// EOF already seen): ask it first, without waiting.
template <class T>
bool ready_now(T& object) {
    if constexpr (requires { object.poll(); }) {
        return object.poll();
    } else {
        return false;
    }
}
}  // namespace detail

/// As wait(sentinels), over objects of one type: returns copies of the ready ones in input
/// order, empty on timeout.
///     auto ready = mpact::wait(std::vector{a, b, c}, std::chrono::seconds(1));
///     for (auto& conn : ready) handle(conn.recv_bytes());   // EOFError for an ended one
/// Python: wait(object_list, timeout). ValueError if one of them is closed.
template <Waitable T>
[[nodiscard]] std::vector<T> wait(const std::vector<T>& objects,
                                  std::optional<Duration> timeout = std::nullopt) {
    std::vector<T> out;
    for (auto object : objects) {
        if (detail::ready_now(object)) out.push_back(object);
    }
    if (!out.empty()) return out;
    std::vector<Sentinel> sentinels;
    sentinels.reserve(objects.size());
    for (const auto& object : objects) sentinels.push_back(object.sentinel());
    auto ready = wait(sentinels, timeout);
    for (std::size_t i = 0; i < objects.size(); ++i) {
        if (std::find(ready.begin(), ready.end(), sentinels[i]) != ready.end()) {
            out.push_back(objects[i]);
        }
    }
    return out;
}

/// Mixed objects (Processes, Connections, Listeners together): returns the positions of the
/// ready ones among `objects`, in order; empty on timeout (std::nullopt: no timeout).
///     auto ready = mpact::wait(std::chrono::seconds(1), process, conn, listener);
///     // e.g. {1}: conn has a message (or EOF)
template <Waitable... Ts>
[[nodiscard]] std::vector<std::size_t> wait(std::optional<Duration> timeout, Ts&... objects) {
    std::vector<std::size_t> out;
    std::size_t i = 0;
    ((detail::ready_now(objects) ? out.push_back(i++) : static_cast<void>(i++)), ...);
    if (!out.empty()) return out;
    const std::vector<Sentinel> sentinels{objects.sentinel()...};
    auto ready = wait(sentinels, timeout);
    for (std::size_t k = 0; k < sentinels.size(); ++k) {
        if (std::find(ready.begin(), ready.end(), sentinels[k]) != ready.end()) out.push_back(k);
    }
    return out;
}

}  // namespace mpact
