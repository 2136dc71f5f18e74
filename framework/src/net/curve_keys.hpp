#pragma once
// CURVE keys of a session (docs/protocol.md "TCP security"): every node holding the same
// authkey derives the same two keypairs, so programs started separately need to share only
// the key. secret = HMAC-SHA256(authkey, label), public = zmq_curve_public(secret).
#include <zmq.hpp>

#include <string>
#include <string_view>

namespace mpact::detail {

struct CurveKeys {
    // Z85 text (40 characters each), as libzmq's socket options take them.
    std::string server_public, server_secret, client_public, client_secret;
};

inline constexpr std::string_view kCurveServerLabel = "mpact-curve-server-v1";
inline constexpr std::string_view kCurveClientLabel = "mpact-curve-client-v1";

CurveKeys derive_curve_keys(std::string_view authkey);
// The keys of this process's session authkey (cached; rederived if the key changes).
CurveKeys session_curve_keys();

// Whether tcp:// mailboxes and links run without CURVE (InitOptions::insecure_plaintext_tcp,
// MPACT_INSECURE_PLAINTEXT_TCP=1).
bool insecure_plaintext_tcp() noexcept;
void set_insecure_plaintext_tcp(bool on) noexcept;

// Prepares an outgoing DEALER to a tcp:// endpoint before it connects: CURVE client keys
// (unless plaintext was asked for) and the node's message limit.
void configure_tcp_client(zmq::socket_t& socket, std::uint64_t max_message_size);

}  // namespace mpact::detail
