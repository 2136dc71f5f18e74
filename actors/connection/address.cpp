// Address parsing for Listener/Client (address.hpp).
#include "address.hpp"

#include <mpact/errors.hpp>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <random>

namespace mpact::detail::net {

void throw_os(const std::string& what, int error) {
    std::string message =
        what + ": " + std::strerror(error) + " (errno " + std::to_string(error) + ")";
    if (error == ECONNREFUSED) throw ConnectionRefusedError(message, error);
    throw OSError(message, error);
}

namespace {

Endpoint unix_endpoint(const std::string& path) {
    Endpoint e;
    e.family = AF_UNIX;
    e.path = path;
    auto* sun = reinterpret_cast<sockaddr_un*>(&e.storage);
    sun->sun_family = AF_UNIX;
    if (path.empty()) throw ValueError("AF_UNIX address: empty path");
    if (path.size() >= sizeof sun->sun_path) {
        throw ValueError("AF_UNIX path of " + std::to_string(path.size()) +
                         " bytes is longer than the " + std::to_string(sizeof sun->sun_path - 1) +
                         " the OS takes: " + path);
    }
    std::memcpy(sun->sun_path, path.data(), path.size());
    e.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() +
                                      (path.front() == '\0' ? 0 : 1));
    return e;
}

}  // namespace

Endpoint inet(const std::string& host, std::uint16_t port) {
    Endpoint e;
    e.family = AF_INET;
    auto* sin = reinterpret_cast<sockaddr_in*>(&e.storage);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    e.length = sizeof(sockaddr_in);
    const std::string name = host.empty() ? "0.0.0.0" : host;
    if (::inet_pton(AF_INET, name.c_str(), &sin->sin_addr) == 1) return e;
    addrinfo hints{};
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &found);
    if (rc != 0 || found == nullptr) {
        throw OSError("cannot resolve host '" + name + "': " + ::gai_strerror(rc));
    }
    sin->sin_addr = reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr;
    ::freeaddrinfo(found);
    return e;
}

Endpoint parse(const std::string& address) {
    constexpr std::string_view ipc = "ipc://";
    constexpr std::string_view tcp = "tcp://";
    std::string_view a = address;
    if (a.substr(0, ipc.size()) == ipc) return unix_endpoint(std::string(a.substr(ipc.size())));
    if (a.substr(0, tcp.size()) == tcp) {
        auto rest = a.substr(tcp.size());
        auto colon = rest.rfind(':');
        if (colon == std::string_view::npos || colon + 1 == rest.size()) {
            throw ValueError("tcp address without a port: " + address + " (tcp://host:port)");
        }
        auto host = std::string(rest.substr(0, colon));
        if (host.size() >= 2 && host.front() == '[') {
            throw ValueError("IPv6 addresses are not supported yet: " + address);
        }
        auto port_text = std::string(rest.substr(colon + 1));
        char* end = nullptr;
        long port = std::strtol(port_text.c_str(), &end, 10);
        if (*end != '\0' || port < 0 || port > 65535) {
            throw ValueError("bad port in " + address);
        }
        return inet(host, static_cast<std::uint16_t>(port));
    }
    if (a.find("://") != std::string_view::npos) {
        throw ValueError("unknown address scheme in '" + address +
                         "' (ipc://path, tcp://host:port or a filesystem path)");
    }
    return unix_endpoint(address);  // Python: a str address is AF_UNIX
}

std::string describe(const sockaddr* addr, socklen_t length) {
    if (addr->sa_family == AF_INET) {
        const auto* sin = reinterpret_cast<const sockaddr_in*>(addr);
        char text[INET_ADDRSTRLEN] = {};
        ::inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
        return "tcp://" + std::string(text) + ":" + std::to_string(ntohs(sin->sin_port));
    }
    const auto* sun = reinterpret_cast<const sockaddr_un*>(addr);
    auto base = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path));
    if (length <= base) return "ipc://";
    std::string path(sun->sun_path, length - base);
    if (!path.empty() && path.front() != '\0') path = path.c_str();  // drop the trailing NUL
    return "ipc://" + path;
}

std::string fresh_unix_path() {
    static std::atomic<unsigned> counter{0};
    const char* dir = std::getenv("TMPDIR");
    std::string base = (dir != nullptr && *dir != '\0') ? dir : "/tmp";
    std::random_device rd;
    return base + "/mpact-listener-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter.fetch_add(1)) + "-" + std::to_string(rd() % 1000000);
}

}  // namespace mpact::detail::net
