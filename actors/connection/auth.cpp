// Python's authkey challenge, byte for byte (CPython 3.12+ Lib/multiprocessing/connection.py,
// which still accepts and answers 3.11's legacy HMAC-MD5 form). HMAC, the constant-time
// compare and the random challenge come from OpenSSL's libcrypto.
#include <mpact/detail/connection_auth.hpp>
#include <mpact/errors.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <string>

namespace mpact::detail::auth {

namespace {

// Python's _ALLOWED_DIGESTS and their OpenSSL names; longest name: 8 (_MAX_DIGEST_LEN).
const EVP_MD* digest_by_name(std::string_view name) {
    if (name == "md5") return EVP_md5();
    if (name == "sha256") return EVP_sha256();
    if (name == "sha384") return EVP_sha384();
    if (name == "sha3_256") return EVP_sha3_256();
    if (name == "sha3_384") return EVP_sha3_384();
    return nullptr;
}
constexpr std::size_t max_digest_name = 8;

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view message) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int size = 0;
    // HMAC() takes a null key pointer as "no key"; an empty key must still be a key.
    static const unsigned char empty = 0;
    const auto* k = key.empty() ? &empty : reinterpret_cast<const unsigned char*>(key.data());
    if (HMAC(md, k, static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(),
             &size) == nullptr) {
        throw AuthenticationError("HMAC failed in OpenSSL (digest unavailable?)");
    }
    return std::string(reinterpret_cast<const char*>(out.data()), size);
}

struct Named {
    std::string_view digest;  // empty: legacy (bare HMAC-MD5)
    std::string_view payload;
};

// _get_digest_name_and_payload.
Named digest_name_and_payload(std::string_view message) {
    if (message.size() == legacy_message_length || message.size() == legacy_digest_length) {
        return {{}, message};
    }
    if (!message.empty() && message.front() == '{') {
        auto curly = message.substr(0, max_digest_name + 2).find('}', 1);
        if (curly != std::string_view::npos) {
            auto digest = message.substr(1, curly - 1);
            if (digest_by_name(digest) != nullptr) return {digest, message.substr(curly + 1)};
        }
    }
    throw AuthenticationError(
        "unsupported message length, missing digest prefix, or unsupported digest (" +
        std::to_string(message.size()) + " bytes)");
}

std::string printable(std::string_view bytes) {
    std::string out;
    for (char c : bytes.substr(0, 32)) {
        out += (c >= 0x20 && c < 0x7f) ? c : '.';
    }
    return out;
}

std::string recv_handshake(Connection& c, Deadline deadline, const char* step) {
    auto left = remaining(deadline);
    if (left <= Duration::zero()) {
        throw AuthenticationError(std::string("handshake timed out before ") + step);
    }
    try {
        return c.recv_bytes(left, max_handshake_message);
    } catch (const TimeoutError&) {
        throw AuthenticationError(std::string("handshake timed out waiting for ") + step);
    } catch (const ProtocolError& e) {
        // Longer than 256 bytes, or not even framed: not Python's handshake.
        throw AuthenticationError(std::string("peer does not speak the handshake (") + step +
                                  "): " + e.what());
    }
}

void send_handshake(Connection& c, std::string_view bytes, Deadline deadline) {
    auto left = remaining(deadline);
    try {
        c.send_bytes(left > Duration::zero() ? left : Duration(1), bytes);
    } catch (const TimeoutError&) {
        throw AuthenticationError("handshake timed out: the peer does not read");
    }
}

}  // namespace

std::string create_response(std::string_view authkey, std::string_view message) {
    auto named = digest_name_and_payload(message);
    if (named.digest.empty()) return hmac(EVP_md5(), authkey, message);
    std::string out = "{" + std::string(named.digest) + "}";
    out += hmac(digest_by_name(named.digest), authkey, message);
    return out;
}

void verify_challenge(std::string_view authkey, std::string_view message,
                      std::string_view response) {
    auto named = digest_name_and_payload(response);
    std::string_view name = named.digest.empty() ? std::string_view("md5") : named.digest;
    auto expected = hmac(digest_by_name(name), authkey, message);
    if (expected.size() != named.payload.size()) {
        throw AuthenticationError("expected '" + std::string(name) + "' of length " +
                                  std::to_string(expected.size()) + " got " +
                                  std::to_string(named.payload.size()));
    }
    if (CRYPTO_memcmp(expected.data(), named.payload.data(), expected.size()) != 0) {
        throw AuthenticationError("digest received was wrong");
    }
}

void deliver_challenge(Connection& c, std::string_view authkey, Deadline deadline) {
    std::array<unsigned char, message_length> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        throw AuthenticationError("no random bytes for the challenge (OpenSSL RAND_bytes)");
    }
    std::string message = "{sha256}";
    message.append(reinterpret_cast<const char*>(random.data()), random.size());
    std::string framed;
    framed.reserve(challenge_tag.size() + message.size());
    framed.append(challenge_tag).append(message);
    send_handshake(c, framed, deadline);
    auto response = recv_handshake(c, deadline, "the answer to our challenge");
    try {
        verify_challenge(authkey, message, response);
    } catch (const AuthenticationError&) {
        try {
            send_handshake(c, failure, deadline);
        } catch (const Error&) {
        }
        throw;
    }
    send_handshake(c, welcome, deadline);
}

void answer_challenge(Connection& c, std::string_view authkey, Deadline deadline) {
    auto message = recv_handshake(c, deadline, "the peer's challenge");
    if (message.compare(0, challenge_tag.size(), challenge_tag) != 0) {
        throw AuthenticationError("Protocol error, expected challenge: '" + printable(message) +
                                  "'");
    }
    std::string_view body = std::string_view(message).substr(challenge_tag.size());
    if (body.size() < legacy_message_length) {
        throw AuthenticationError("challenge too short: " + std::to_string(body.size()) + " bytes");
    }
    send_handshake(c, create_response(authkey, body), deadline);
    auto verdict = recv_handshake(c, deadline, "the peer's verdict");
    if (verdict != welcome) throw AuthenticationError("digest sent was rejected");
}

}  // namespace mpact::detail::auth
