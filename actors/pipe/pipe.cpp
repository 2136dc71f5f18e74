// mpact::pipe(): one Unix stream socketpair, its two ends wrapped as Connections.
#include <mpact/node.hpp>
#include <mpact/pipe.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace mpact {

std::pair<Connection, Connection> pipe(PipeOptions options) {
    // Unset: the process-wide default (mpact::InitOptions::spin, MPACT_SPIN_US).
    const Duration spin = std::max(options.spin.value_or(default_spin()), Duration::zero());
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        throw ProcessError(std::string("pipe: socketpair failed: ") + std::strerror(errno));
    }
    if (options.duplex) {
        return {Connection(fds[0], true, true, spin), Connection(fds[1], true, true, spin)};
    }
    return {Connection(fds[0], true, false, spin), Connection(fds[1], false, true, spin)};
}

}  // namespace mpact
