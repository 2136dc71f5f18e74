#pragma once
/// The node: this process's mailbox. Every mpact process hosts one — a ZeroMQ ROUTER bound to
/// an ipc:// endpoint in a 0700 session directory — served by one I/O thread that runs the
/// actors living here. Created by mpact::init or lazily on first use.
///
///     int main(int argc, char** argv) {
///         mpact::init(argc, argv);   // first line of main: child processes start here too
///         ...
///     }
///
/// Python: the `if __name__ == "__main__":` guard — a `spawn`/`forkserver` child runs this
/// binary's main, and mpact::init turns it into the child (it never returns there). Without
/// init, the child becomes itself at its first mpact call instead (never returning either,
/// never starting children first): what main did before that call runs again in the child.
#include <mpact/time.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace mpact {

/// Process-wide settings for mpact::init; unset fields keep their defaults. They are also
/// put in the environment, so children of every start method inherit them.
struct InitOptions {
    /// How long a thread waiting for an answer (a request's reply on a fast lane, a
    /// Connection's recv) busy-polls before it sleeps: adaptive, it backs off when spins run
    /// out (see PipeOptions::spin). Default: MPACT_SPIN_US microseconds, else 50 us, or 0
    /// when the process may run on one CPU only (a spin there holds the CPU its peer needs to
    /// answer). Zero never spins. `pipe({.spin})` overrides it per pipe.
    std::optional<Duration> spin;
    /// Whether nodes of this host, user and network namespace move their traffic to a
    /// direct Unix-socket lane beside the ZeroMQ mailbox. Default: on; MPACT_LANE=0 turns
    /// it off (every message then goes through ZeroMQ).
    std::optional<bool> lane;
    /// A tcp:// address this process's node binds beside its ipc mailbox, so programs
    /// started separately (other hosts) can reach its actors: "tcp://0.0.0.0:7000", or port
    /// 0 to pick a free one (node_address() says which). Default: MPACT_LISTEN, else none.
    /// Only this process listens, not its children.
    std::optional<std::string> listen;
    /// The session authkey (any bytes), shared by every program that is to talk to this
    /// one over tcp://: the CURVE keys that encrypt and authenticate those links derive from
    /// it (docs/protocol.md "TCP security"). Default: the contents of MPACT_AUTHKEY_FILE (a
    /// file of this user's, mode 0600 or stricter, else AuthenticationError), else 32 random
    /// bytes. Children inherit it.
    std::optional<std::string> authkey;
    /// Turns CURVE off on tcp:// links: no encryption, no authentication — anyone who can
    /// reach the port can talk to every actor here. For debugging with a packet capture
    /// only. Default: MPACT_INSECURE_PLAINTEXT_TCP=1, else off.
    std::optional<bool> insecure_plaintext_tcp;
};

/// Initialises mpact for this process; in a child started by `spawn` or the forkserver it
/// runs the child's work and exits instead of returning. Optional, but call it first in
/// main, before any thread starts, so nothing before it runs again in children. Idempotent.
void init(int argc, char** argv);
/// The same, with process-wide settings (applied before anything else happens).
///     mpact::init(argc, argv, {.spin = std::chrono::microseconds(0)});  // never busy-poll
/// Throws AuthenticationError for an unusable authkey (empty, or an MPACT_AUTHKEY_FILE that
/// others can read), ValueError when `listen` comes after the node has started.
///     mpact::init(argc, argv, {.listen = "tcp://0.0.0.0:7000", .authkey = key});
void init(int argc, char** argv, const InitOptions& options);

/// The process-wide busy-poll budget (InitOptions::spin).
[[nodiscard]] Duration default_spin() noexcept;

/// What this process's mailbox has seen, and the Pipe and Queue input it refused. Bad input
/// is counted here and dropped; the node goes on serving every other message.
struct NodeStats {
    std::uint64_t received = 0;        ///< frames sets read from the mailbox
    std::uint64_t delivered = 0;       ///< messages handed to an actor
    std::uint64_t malformed = 0;       ///< dropped: bad envelope or undecodable header
    std::uint64_t oversized = 0;       ///< dropped: larger than the node's message limit
    std::uint64_t unknown_actor = 0;   ///< addressed to no actor living here
    std::uint64_t expired = 0;         ///< dropped: deadline already passed on arrival
    std::uint64_t handler_errors = 0;  ///< handlers that threw, or whose message did not
                                       ///< decode (the error went to the sender)
    /// Pipe and Queue receives refused with ProtocolError: not msgpack, not the requested
    /// type, over a limit, a malformed pipe frame or queue batch (one per raising call);
    /// and requests a queue broker refused itself (sizes that do not add up, pid <= 0).
    std::uint64_t refused = 0;
    /// Replies and errors that match no request this node waits for (late, after the
    /// request timed out, or never asked); dropped.
    std::uint64_t unmatched = 0;
    /// Frames per path. A lane is a direct Unix socket to a node of this host, user and
    /// network namespace; ZeroMQ carries everything else (and what a lane cannot).
    std::uint64_t lane_received = 0;         ///< frames read from lanes (beside `received`)
    std::uint64_t lane_sent = 0;             ///< frames this process sent on lanes (any thread)
    std::uint64_t zmq_sent = 0;              ///< frames this process sent through ZeroMQ
    std::uint64_t lanes_accepted = 0;        ///< lanes other nodes opened to this one
    std::uint64_t lanes_refused = 0;         ///< refused: other user or namespace, bad hello, or
                                             ///< no descriptor to spare
    std::uint64_t lanes_no_descriptors = 0;  ///< lanes not opened or accepted: the
                                             ///< descriptor reserve (ZeroMQ carries on)
    std::uint64_t lanes_opened = 0;          ///< lanes this process's links moved to
    std::uint64_t lanes_closed = 0;          ///< accepted lanes that have ended (peer closed, died)
    /// Switch-over syncs sent (transport/link_lane.cpp): a link moving to its lane asked the
    /// peer to confirm it read what went through ZeroMQ.
    std::uint64_t lane_syncs = 0;
    /// Switch-overs given up: the peer died, or did not answer the sync within 1 s; what the
    /// link held went through ZeroMQ (in order) and the link tries again later, if alive.
    std::uint64_t lane_syncs_abandoned = 0;
    /// tcp:// handshakes this node refused: a peer without the session's key (wrong key,
    /// no key, a plaintext peer at the CURVE port). Nothing such a peer sent was delivered.
    std::uint64_t refused_auth = 0;
};

/// A snapshot of this process's mailbox counters (starts the node if needed).
[[nodiscard]] NodeStats node_stats();
/// This process's mailbox endpoint, e.g. "ipc:///run/user/0/mpact-0/1234-ab12/1234".
[[nodiscard]] std::string node_endpoint();
/// The address other programs reach this process's node at: the tcp:// endpoint actually
/// bound when it listens (InitOptions::listen; port 0 resolved), else node_endpoint().
[[nodiscard]] std::string node_address();
/// The mailbox endpoint of process `pid` of this session (a child, a sibling).
[[nodiscard]] std::string node_endpoint(int pid);
/// Largest message the node accepts (bytes); larger ones are dropped and counted.
void set_max_message_size(std::uint64_t bytes);

}  // namespace mpact
