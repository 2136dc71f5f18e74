#pragma once
/// mpact::Listener and mpact::Client: unrelated processes find each other at an address and
/// get a Connection (the Pipe's type) — Python's multiprocessing.connection, speaking its
/// own wire form, so either end may be a Python program.
///
///     mpact::Listener l{"tcp://127.0.0.1:6000", {.authkey = std::string("secret")}};
///     mpact::Connection c = l.accept();          // after the mutual authkey challenge
///     c.send_bytes("hello");
///
///     // elsewhere, C++ or Python (`Client(("127.0.0.1", 6000), authkey=b"secret")`):
///     mpact::Connection c = mpact::Client("tcp://127.0.0.1:6000", {.authkey =
///     std::string("secret")}); c.recv_bytes();                            // "hello"
///
/// Addresses: "ipc:///path" or a plain filesystem path ("/tmp/x", "./x") is an AF_UNIX
/// socket (a leading '\0' in the path: Linux's abstract namespace); "tcp://host:port", or the
/// (host, port) overloads, is AF_INET (port 0: the kernel picks one; address() tells).
/// Python: Listener(address, family, backlog, authkey), Client(address, family, authkey).
///
/// Wire form (docs/protocol.md, "Listener and Client"): each message is a 4-byte big-endian
/// length and its bytes (Framing::python); with an authkey, accept() sends Python's challenge
/// (`#CHALLENGE#{sha256}` + 40 random bytes), checks the HMAC answer and sends `#WELCOME#` or
/// `#FAILURE#`, then answers the client's challenge; Client does the mirror image. Both the
/// 3.12+ form (`{digest}` prefixes, HMAC-SHA256) and Python 3.11's (20-byte challenge,
/// bare HMAC-MD5) are spoken, so 3.8–3.14 peers all connect.
/// Exchange bytes with Python through send_bytes()/recv_bytes(): Python's send()/recv() are
/// pickles, ours are msgpack.
///
/// SECURITY: over tcp:// this is Python's protocol — the authkey authenticates both ends,
/// but NOTHING IS ENCRYPTED: anyone on the path reads and can tamper with every message
/// after the handshake. Keep it on loopback or a trusted network; for an encrypted link use
/// the actor mailbox over CURVE. The authkey never crosses the wire (only HMACs do).
#include <mpact/errors.hpp>
#include <mpact/pipe.hpp>
#include <mpact/time.hpp>
#include <mpact/wait.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace mpact {

/// Options of Listener; designated initialisers are the keyword arguments.
struct ListenerOptions {
    /// The shared secret; unset: no handshake at all (as Python's authkey=None). An empty
    /// key "" is a key (it authenticates, as in Python).
    std::optional<std::string> authkey;
    /// Pending connections the kernel queues before accept(). Python's default is 1; a
    /// larger default here so a burst of clients is not refused.
    int backlog = 16;
    /// How long accept() gives a connected peer to finish the handshake (Python: forever).
    Duration handshake_timeout = std::chrono::seconds(5);
    /// The busy-poll budget of the accepted Connections (PipeOptions::spin).
    std::optional<Duration> spin;
};

/// Options of Client().
struct ClientOptions {
    std::optional<std::string> authkey;  ///< as ListenerOptions::authkey
    /// Bounds the connect and the handshake together (Python: no bound).
    Duration timeout = std::chrono::seconds(5);
    std::optional<Duration> spin;  ///< PipeOptions::spin of the returned Connection
};

/// A bound, listening socket. Python: multiprocessing.connection.Listener. Move-only; the
/// destructor closes it (and removes its socket file, if this process made it).
class Listener {
  public:
    /// Binds and listens at `address` (see the top of this header); "" (or no argument): a
    /// fresh AF_UNIX path in the temp directory, as Python's address=None.
    /// Throws OSError (EADDRINUSE: the address is taken; Python: OSError), ValueError for an
    /// address it cannot parse or a path too long for AF_UNIX.
    explicit Listener(const std::string& address = "", ListenerOptions options = {});
    /// AF_INET at host:port. Python: Listener((host, port)).
    Listener(const std::string& host, std::uint16_t port, ListenerOptions options = {});
    Listener(Listener&&) noexcept;
    Listener& operator=(Listener&&) noexcept;
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
    ~Listener();

    /// Waits for a client, runs the handshake if there is an authkey, and returns its
    /// Connection. Python: accept(). Throws AuthenticationError (wrong key, a peer that
    /// does not speak the handshake, or one slower than handshake_timeout: that peer is
    /// dropped and the listener keeps serving), EOFError (the peer hung up mid-handshake),
    /// OSError after close() (Python: OSError "listener is closed").
    [[nodiscard]] Connection accept();
    /// As accept(), but TimeoutError if no client connects within `timeout`.
    [[nodiscard]] Connection accept(Duration timeout);

    /// Stops listening (and removes the socket file it made); idempotent. Python: close().
    void close() noexcept;
    [[nodiscard]] bool closed() const noexcept;
    /// Where clients connect: "ipc:///path" (or "ipc://" + '\0' name) or "tcp://host:port",
    /// with the port the kernel picked. Python: address.
    [[nodiscard]] const std::string& address() const noexcept;
    /// The address of the last accepted peer: "tcp://host:port", or "ipc://" + the peer's
    /// path (usually empty: clients do not bind). Unset before the first accept.
    /// Python: last_accepted.
    [[nodiscard]] const std::optional<std::string>& last_accepted() const noexcept;
    /// Readable when a client is waiting to be accepted; for mpact::wait.
    [[nodiscard]] Sentinel sentinel() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

/// Connects to a Listener (ours or Python's) at `address` and runs the handshake if there is
/// an authkey. Python: multiprocessing.connection.Client(address, authkey=...).
/// Throws ConnectionRefusedError (nobody listens there; for a missing AF_UNIX path
/// Python raises FileNotFoundError, here its errno says ENOENT), OSError (other socket
/// failures), AuthenticationError (the keys differ: the Listener raises it too; nothing was
/// delivered; also a Listener that does not finish the handshake within options.timeout),
/// TimeoutError (the connect itself took longer than options.timeout), ValueError for an
/// address it cannot parse.
[[nodiscard]] Connection Client(const std::string& address, ClientOptions options = {});
/// AF_INET. Python: Client((host, port), authkey=...).
[[nodiscard]] Connection Client(const std::string& host, std::uint16_t port,
                                ClientOptions options = {});

}  // namespace mpact
