#pragma once
// The local fast lane (docs/architecture.md, "Lanes"): a Unix stream socket between two
// nodes of one host, user and network namespace, beside the ZeroMQ mailbox. It carries the
// same envelope (header + payload), framed by a 16-byte prefix, so the receiver decodes and
// dispatches it on the path the ROUTER uses; a request on a lane is answered on that lane.
// Every node listens at its mailbox path + ".lane" in the 0700 session directory; a link
// to a local peer connects there, says hello and switches to the lane once the peer has
// accepted it and nothing it sent through ZeroMQ is still unanswered (per-sender FIFO).
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace mpact::detail {

// Frame prefix: magic "mpL1", u32 header length, u64 payload length (little endian).
inline constexpr std::uint32_t kLaneMagic = 0x314c706d;
inline constexpr std::size_t kLanePrefix = 16;
inline constexpr std::size_t kLaneMaxHeader = 64 * 1024;
// The hello a connecting node sends first: "mpact-lane/1\n" and its boot id, padded.
inline constexpr std::size_t kLaneHelloSize = 64;
inline constexpr char kLaneAccept = 'K';

// The process-wide switch (mpact::InitOptions::lane, MPACT_LANE=0 turns it off).
bool lanes_enabled() noexcept;
void set_lanes_enabled(bool on) noexcept;

// The socket path of the lane of the node at `endpoint`; empty when it has none (not ipc://,
// or a path too long for a Unix socket).
std::string lane_path(std::string_view endpoint);
// This host's boot id (/proc/sys/kernel/random/boot_id), empty if unreadable.
const std::string& boot_id();
// The hello this process sends.
std::string lane_hello();
// True if `hello` is a well-formed hello from this boot.
bool lane_hello_matches(std::string_view hello) noexcept;
// True when process `pid` shares this process's network namespace (unknown counts as no).
bool same_network_namespace(pid_t pid) noexcept;

// True when `needed` more descriptors leave the reserve kept for libzmq's accepts
// (check_descriptors, transport/descriptor_budget.hpp). Never throws.
bool descriptors_to_spare(int needed) noexcept;

// Connects to the lane of the node at `endpoint` (process `pid`) and sends the hello, without
// blocking; the descriptor (blocking mode, close-on-exec) or -1 if there is no lane to
// open (none listening, another namespace, lanes off, or no descriptor to spare: counted in
// NodeCounters::lanes_no_descriptors).
int lane_connect(std::string_view endpoint, pid_t pid) noexcept;

enum class LaneAck { pending, accepted, refused };
// Looks (without blocking) whether the peer accepted the hello on `fd`.
LaneAck lane_poll_ack(int fd) noexcept;

// The 16-byte prefix of a frame.
std::string lane_prefix(std::size_t header_size, std::size_t payload_size);

// Writes prefix + header + payload. `blocking`: resumes until all is written or the peer is
// gone. Not blocking: writes what fits now; `rest` gets what did not (empty when all went).
// False when the peer is gone (nothing more can be written on `fd`).
bool lane_write(int fd, std::string_view header, std::string_view payload, bool blocking,
                std::string* rest = nullptr);
// Writes `bytes` (a remainder kept from an earlier non-blocking write); same rules.
bool lane_write_raw(int fd, std::string& bytes, bool blocking);

// Frames arriving on a lane: bytes in, whole frames out (views valid until the next read).
class LaneInput {
  public:
    enum class Next { frame, more, bad };
    struct Frame {
        std::string_view header;
        std::string_view payload;
        bool oversized = false;  // larger than the limit: skipped, only counted
    };
    // Reads what the socket holds now (never blocks). >0 bytes read, 0 EOF, -1 nothing.
    ssize_t read_from(int fd);
    // The next whole frame; `bad` when the stream is not lane frames (drop the lane).
    Next next(Frame& out, std::uint64_t max_message_size);
    bool empty() const noexcept { return start_ == buf_.size() && skip_ == 0; }

  private:
    std::string buf_;
    std::size_t start_ = 0;
    std::uint64_t skip_ = 0;  // bytes of an oversized frame still to throw away
    std::uint64_t want_ = 0;  // size of the frame being assembled (0: unknown)
};

}  // namespace mpact::detail
