#include "net/curve_keys.hpp"

#include <mpact/errors.hpp>
#include <mpact/internal/session.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace mpact::detail {

namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kZ85Chars = 40;

std::string z85(const unsigned char* key) {
    char text[kZ85Chars + 1];
    if (zmq_z85_encode(text, key, kKeyBytes) == nullptr) {
        throw ProtocolError("cannot encode a CURVE key (zmq_z85_encode)");
    }
    return std::string(text, kZ85Chars);
}

// One keypair: secret from the authkey and label, public from the secret.
void derive_pair(std::string_view authkey, std::string_view label, std::string& public_key,
                 std::string& secret_key) {
    unsigned char secret[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    // HMAC() reads a null key pointer as "no key": an empty key must still be a key.
    static const unsigned char empty = 0;
    const auto* k =
        authkey.empty() ? &empty : reinterpret_cast<const unsigned char*>(authkey.data());
    if (HMAC(EVP_sha256(), k, static_cast<int>(authkey.size()),
             reinterpret_cast<const unsigned char*>(label.data()), label.size(), secret,
             &length) == nullptr ||
        length != kKeyBytes) {
        throw AuthenticationError("cannot derive the CURVE keys: HMAC-SHA256 failed in OpenSSL");
    }
    secret_key = z85(secret);
    char public_text[kZ85Chars + 1];
    if (zmq_curve_public(public_text, secret_key.c_str()) != 0) {
        throw AuthenticationError(
            "cannot derive the CURVE keys: this libzmq has no CURVE (built without libsodium)");
    }
    public_key.assign(public_text, kZ85Chars);
}

std::atomic<int> g_plaintext{-1};  // -1: MPACT_INSECURE_PLAINTEXT_TCP decides

}  // namespace

CurveKeys derive_curve_keys(std::string_view authkey) {
    CurveKeys keys;
    derive_pair(authkey, kCurveServerLabel, keys.server_public, keys.server_secret);
    derive_pair(authkey, kCurveClientLabel, keys.client_public, keys.client_secret);
    return keys;
}

CurveKeys session_curve_keys() {
    // Never destroyed: links may be made while the program exits.
    static auto* mutex = new std::mutex();
    static auto* cached_for = new std::string();
    static auto* cached = new CurveKeys();
    const std::string& authkey = session().authkey;
    std::lock_guard lock(*mutex);
    if (cached->server_public.empty() || *cached_for != authkey) {
        *cached = derive_curve_keys(authkey);
        *cached_for = authkey;
    }
    return *cached;
}

bool insecure_plaintext_tcp() noexcept {
    int on = g_plaintext.load(std::memory_order_relaxed);
    if (on < 0) {
        const char* env = std::getenv("MPACT_INSECURE_PLAINTEXT_TCP");
        on = env != nullptr && std::strcmp(env, "1") == 0 ? 1 : 0;
        g_plaintext.store(on, std::memory_order_relaxed);
    }
    return on == 1;
}

void set_insecure_plaintext_tcp(bool on) noexcept {
    g_plaintext.store(on ? 1 : 0);
}

void configure_tcp_client(zmq::socket_t& socket, std::uint64_t max_message_size) {
    // A remote peer's frame past the decode limit ends its connection inside libzmq, before
    // any of it is buffered here.
    socket.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(max_message_size));
    if (insecure_plaintext_tcp()) return;
    auto keys = session_curve_keys();
    socket.set(zmq::sockopt::curve_serverkey, keys.server_public);
    socket.set(zmq::sockopt::curve_publickey, keys.client_public);
    socket.set(zmq::sockopt::curve_secretkey, keys.client_secret);
}

}  // namespace mpact::detail
