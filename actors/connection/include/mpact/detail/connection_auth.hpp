#pragma once
// Python's authkey handshake (Lib/multiprocessing/connection.py: deliver_challenge,
// answer_challenge, _create_response, _verify_challenge), for Listener and Client. Public
// only so tests can check it against fixed vectors; not part of the API.
#include <mpact/pipe.hpp>
#include <mpact/time.hpp>

#include <string>
#include <string_view>

namespace mpact::detail::auth {

inline constexpr std::string_view challenge_tag = "#CHALLENGE#";
inline constexpr std::string_view welcome = "#WELCOME#";
inline constexpr std::string_view failure = "#FAILURE#";
inline constexpr std::size_t message_length = 40;          // random bytes of a 3.12+ challenge
inline constexpr std::size_t legacy_message_length = 20;   // Python <= 3.11's challenge
inline constexpr std::size_t legacy_digest_length = 16;    // a bare HMAC-MD5 answer
inline constexpr std::size_t max_handshake_message = 256;  // as Python's recv_bytes(256)

// The answer to challenge `message` (the bytes after #CHALLENGE#): a bare HMAC-MD5 for a
// legacy 20-byte message, else "{digest}" + HMAC-digest over the whole message.
// AuthenticationError for a message naming no digest Python allows.
[[nodiscard]] std::string create_response(std::string_view authkey, std::string_view message);
// Checks `response` to our challenge `message`; AuthenticationError if it is wrong.
void verify_challenge(std::string_view authkey, std::string_view message,
                      std::string_view response);

// The two halves of the handshake over a connected Connection, each bounded by `deadline`
// (AuthenticationError when it passes). The Listener delivers then answers; the Client
// answers then delivers.
void deliver_challenge(Connection& c, std::string_view authkey, Deadline deadline);
void answer_challenge(Connection& c, std::string_view authkey, Deadline deadline);

}  // namespace mpact::detail::auth
