#pragma once
// Where a node listens over tcp:// and which authkey its session uses, from mpact::init's
// options or the environment (MPACT_LISTEN, MPACT_AUTHKEY_FILE), for programs started
// separately that share a key.
#include <optional>
#include <string>

namespace mpact::detail {

// The tcp:// address the root process of a session binds beside its ipc mailbox: set by
// init, else MPACT_LISTEN; none when neither says. Children never listen (they inherit the
// environment, and would all bind one port).
std::optional<std::string> listen_address();
void set_listen_address(std::string address);

// The authkey in `path`: the file must be a regular file (not a symlink) owned by this user
// and readable by nobody else (mode 0600 or stricter), and hold 1 to 4096 bytes. Throws
// AuthenticationError saying what to fix.
std::string read_authkey_file(const std::string& path);

}  // namespace mpact::detail
