#pragma once
// Outbound links: each thread keeps its own DEALER socket per peer node (ZeroMQ sockets are
// not thread-safe), so a user thread sends straight into libzmq with no hop through our I/O
// thread, and a request's reply comes back on the same socket (design §9.2: count hops).
// Each link also holds a pidfd of the peer process, polled beside the socket, so a dead peer
// fails a request at once.
//
// One-way messages are coalesced (design §9.3): the first of a burst goes out at once; the
// ones that follow within kQuiet of the link's last send join a batch (envelope kind 5),
// sent when it reaches kMaxBatchBytes, when it is kMaxHold old (by the next send, or by the
// node's TailFlusher if the thread went quiet), before any other message on the link (so a
// thread's sends stay ordered before its requests), on flush(), and at thread exit.
#include "transport/lane.hpp"
#include "wire/batch.hpp"

#include <zmq.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mpact::detail {

class TailFlusher;

// What a one-way message needs besides its payload (views, used during the call only).
struct OneWay {
    std::string_view to;             // actor name at the peer
    std::string_view from_endpoint;  // the sending actor's node, or empty
    std::string_view from_name;      // the sending actor, or empty
    std::string_view type;           // wire type name
};

struct Link : std::enable_shared_from_this<Link> {
    using Clock = std::chrono::steady_clock;
    // A link quiet for this long sends the next one-way message at once.
    static constexpr auto kQuiet = std::chrono::microseconds(100);
    // The longest a one-way message is held in a batch before something sends it (plus the
    // TailFlusher's timer slack when the sending thread has gone quiet).
    static constexpr auto kMaxHold = std::chrono::microseconds(100);
    // A batch this large is sent at once; larger messages travel alone.
    static constexpr std::size_t kMaxBatchBytes = 64 * 1024;
    static constexpr std::size_t kMaxBatchedMessage = 4 * 1024;
    // An open batch's age is checked by its sender once per this many messages.
    static constexpr std::size_t kAgeCheckEvery = 32;

    zmq::socket_t socket;
    int pidfd = -1;  // -1: the peer is this process, or not a local process
    pid_t pid = 0;
    std::string endpoint;
    // `flusher` null: never batch (a link outside the thread caches, e.g. a Monitor's).
    // `lane`: may move to a fast lane (transport/lane.hpp) once the peer accepts one.
    // `io_owner`: the node's I/O thread owns it: its lane writes never block (what the
    // socket does not take now, the TailFlusher writes later).
    Link(zmq::context_t& ctx, std::string endpoint, TailFlusher* flusher = nullptr,
         bool lane = false, bool io_owner = false);
    ~Link();
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    // Sends one message now, after whatever one-way messages the batch holds; true when it
    // went on the lane (its answer comes there), false when through ZeroMQ. `unordered`:
    // a message whose order against the others does not matter (a switch-over sync's
    // answer), never held back by a switch-over of this link.
    bool send(const std::string& header, std::string payload, bool unordered = false);
    // Sends a one-way message, at once or in a batch (see the file comment); true when it
    // opened a batch (the owner's LinkCache then knows the link holds something).
    bool send_oneway(const OneWay& message, std::string payload);
    // Sends the batch, if any, now. Throws what ZeroMQ throws.
    void flush();
    // The TailFlusher's flush: false (nothing done) when the owner holds the link right now.
    // Drops the batch if ZeroMQ refuses it (the peer's context is gone). Never throws.
    bool try_flush_tail() noexcept;
    // Flushes, then asks the peer's node to confirm it has read everything sent so far
    // (a node-level "mpact.sync" request; any answer will do). Waits until `deadline` at
    // most; false if no answer came. Owner thread only; never throws.
    bool settle(std::uint64_t corr, Clock::time_point deadline) noexcept;

    // One-way messages went out since the peer last answered on this link: they are not
    // known to have arrived (design §9.1). Owner thread only.
    bool unsettled = false;

    // The peer answered a request sent through ZeroMQ: everything sent there before it has
    // been read, so the link may switch to its lane now. Owner thread.
    void zmq_answered() noexcept { zmq_in_flight_.store(false, std::memory_order_relaxed); }

    // Waiting for an answer on the lane (owner thread, after send() returned true).
    enum class LaneWait { frame, timeout, closed };
    // Reads the lane until a frame is whole (spinning adaptively first, then blocking in
    // poll on the lane and the peer's pidfd): its header bytes and payload land in `header`
    // and `payload`. `closed`: the lane ended or the peer died; the link uses ZeroMQ again.
    LaneWait await_lane(std::string& header, std::string& payload,
                        std::optional<Clock::time_point> deadline);

    // The peer answered the switch-over sync `corr` (see link_lane.cpp): what the link held
    // goes on the lane, now or at the owner's next send. I/O thread; never blocks.
    void lane_synced(std::uint64_t corr) noexcept;
    // At thread or node end: sends the batch; what a switch-over held goes through ZeroMQ,
    // lane bytes a non-blocking write left are written within `deadline`. Never throws.
    void finish(Clock::time_point deadline) noexcept;

  private:
    void flush_locked();
    // `awaits`: the caller waits for this message's answer on the link (a user thread's
    // request).
    void send_locked(const std::string& header, std::string payload, bool unordered = false,
                     bool awaits = false);
    void send_zmq(const std::string& header, std::string payload);
    // Moves towards the lane: connects, reads the peer's yes, and switches once nothing
    // sent through ZeroMQ can be overtaken (see link_lane.cpp).
    void consider_lane(bool awaits);
    // syncing → active when the sync's answer has come: the held messages go on the lane.
    void promote_if_synced();
    // syncing → accepted: the held messages go through ZeroMQ after all.
    void release_held();
    // While syncing: true (and the held messages released) when the sync will not be
    // answered, the peer being dead, or is late (kSyncPatience): a wedged peer must not
    // make the link hold without bound.
    bool abandon_sync_if_hopeless();
    bool send_on_lane(const std::string& header, const std::string& payload);
    // Lane writes from here must not block: the I/O thread is writing (its own link, the
    // TailFlusher, a sync's answer).
    bool never_block() const noexcept { return lane_nonblocking_ || io_owner_; }
    // Asks the TailFlusher to write what the lane did not take (I/O thread links).
    void watch_tail();
    void close_lane() noexcept;

    // none → pending (connected, hello sent) → accepted (the peer said yes) → active once
    // nothing sent through ZeroMQ is unread, or through syncing (a sync request went
    // through ZeroMQ; what the link sends meanwhile is held until its answer).
    enum class LaneState { none, pending, accepted, syncing, active };
    bool lane_allowed_ = false;
    bool io_owner_ = false;
    std::vector<std::pair<std::string, std::string>> held_;  // while syncing
    std::uint64_t sync_corr_ = 0;                            // the sync in flight
    Clock::time_point sync_sent_at_{};
    Clock::time_point dead_checked_at_{};
    std::atomic<std::uint64_t> synced_corr_{0};  // the last sync answered
    LaneState lane_state_ = LaneState::none;
    int lane_fd_ = -1;
    bool lane_nonblocking_ = false;  // the TailFlusher is writing: never block
    std::string lane_out_;           // bytes a non-blocking write left for later
    LaneInput lane_in_;              // answers (owner thread)
    std::atomic<bool> zmq_in_flight_{false};
    Clock::time_point lane_retry_at_{};
    std::chrono::milliseconds lane_retry_gap_{0};

    // Guards the batch, and the socket whenever the batch is not empty: the TailFlusher
    // touches the socket only then, and only under this lock.
    std::mutex mutex_;
    TailFlusher* flusher_ = nullptr;
    BatchWriter batch_;
    std::string batch_from_endpoint_;
    Clock::time_point batch_started_{};
    Clock::time_point last_sent_{};
    bool watched_ = false;  // registered with the TailFlusher and not yet looked at
};

// The calling thread's links, rebuilt after a fork (the old sockets belong to the parent).
// At thread exit the batches are sent.
class LinkCache {
  public:
    static LinkCache& for_this_thread();
    LinkCache() = default;
    ~LinkCache();
    LinkCache(const LinkCache&) = delete;
    LinkCache& operator=(const LinkCache&) = delete;

    Link& get(const std::string& endpoint);
    void drop(const std::string& endpoint);
    // Sends a one-way message through the link to `endpoint` (see Link::send_oneway).
    void send_oneway(const std::string& endpoint, const OneWay& message, std::string payload);
    // Sends every link's batch now (only links that opened one since the last call).
    void flush_all();
    // Flushes every link and waits (until `deadline` at most) for each peer that was sent
    // one-way messages since it last answered to confirm it read them. Never throws.
    void settle_all(Link::Clock::time_point deadline) noexcept;
    std::uint64_t next_corr() noexcept { return ++corr_; }

  private:
    void forget() noexcept;

    std::unordered_map<std::string, std::shared_ptr<Link>> links_;
    Link* last_ = nullptr;  // the link get() returned last: bursts go to one peer
    std::vector<std::weak_ptr<Link>> open_batches_;  // links that opened a batch
    std::uint64_t generation_ = 0;
    pid_t pid_ = 0;  // the process the links were made in
    std::uint64_t corr_ = 0;
};

// Before a process ends without running exit handlers (a fork child's _exit): sends what
// this thread and the TailFlusher hold, and waits (2 s at most) for this thread's peers to
// confirm its one-way messages. Never throws.
void settle_before_exit() noexcept;

// A switch-over sync is a node-level request from an I/O thread's link whose answer comes
// to the node's mailbox: its correlation id has the top bit set (the node's own requests
// count up from 1 and never reach it).
inline constexpr std::uint64_t kLaneSyncCorr = std::uint64_t{1} << 63;

// A message frame holding `payload` (without a copy when it is large).
zmq::message_t make_message(std::string payload);

// Applies the socket options every mpact socket shares (no silent drops, bounded linger).
void configure_socket(zmq::socket_t& socket);

}  // namespace mpact::detail
