#pragma once
// Listener/Client addresses: parsing "ipc://path", a plain path, "tcp://host:port" into a
// sockaddr, and back into the canonical text address() returns.
#include <sys/socket.h>
#include <sys/un.h>

#include <cstdint>
#include <string>

namespace mpact::detail::net {

struct Endpoint {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_UNIX;
    std::string path;  // AF_UNIX: the path ('\0' first: abstract)
    [[nodiscard]] const sockaddr* addr() const {
        return reinterpret_cast<const sockaddr*>(&storage);
    }
};

// ValueError for text it cannot parse (or a path too long for sun_path), OSError when a
// host name does not resolve.
[[nodiscard]] Endpoint parse(const std::string& address);
[[nodiscard]] Endpoint inet(const std::string& host, std::uint16_t port);
// "ipc://" + path, or "tcp://ip:port".
[[nodiscard]] std::string describe(const sockaddr* addr, socklen_t length);
// A fresh AF_UNIX path in the temp directory (Python: arbitrary_address('AF_UNIX')).
[[nodiscard]] std::string fresh_unix_path();
// OSError (ConnectionRefusedError for ECONNREFUSED) naming `what` and errno `error`.
[[noreturn]] void throw_os(const std::string& what, int error);

}  // namespace mpact::detail::net
