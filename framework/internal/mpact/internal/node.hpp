#pragma once
// Node: this process's mailbox and the I/O thread that serves it (design §3). It owns the
// ZeroMQ context, the ROUTER mailbox, the Boost.Asio io_context (mailbox readiness, timers,
// process watches) and the table of actors living here.
// Primitives (actors/) use: get/peek/generation, post/run_sync/on_io_thread/io, find_actor,
// request_async. The members naming LaneListener, Mailbox, ProcessWatch, TailFlusher and Header are
// the framework's own: those types are declared only in framework/src.
#include <mpact/actor.hpp>
#include <mpact/internal/message_kind.hpp>
#include <mpact/node.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <zmq.hpp>

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace mpact::detail {

class ActorHost;
class LaneListener;
struct Link;
class Mailbox;
class ProcessWatch;
class TcpGuard;
class TailFlusher;
struct Header;

struct NodeCounters {
    std::atomic<std::uint64_t> received{0}, delivered{0}, malformed{0}, oversized{0},
        unknown_actor{0}, expired{0}, handler_errors{0}, unmatched{0};
    // Per path: frames read from lanes, frames sent on lanes and through ZeroMQ (any
    // thread of this process), lanes this node accepted / refused, lanes its links opened,
    // lanes not opened or accepted for lack of descriptors (the descriptor budget).
    std::atomic<std::uint64_t> lane_received{0}, lane_sent{0}, zmq_sent{0}, lanes_accepted{0},
        lanes_refused{0}, lanes_opened{0}, lanes_closed{0}, lanes_no_descriptors{0}, lane_syncs{0},
        lane_syncs_abandoned{0};
    // tcp:// handshakes refused (net/tcp_guard.hpp).
    std::atomic<std::uint64_t> refused_auth{0};
};

// A reply or error to a request this node's I/O thread sent (an actor's request).
using ReplyCallback = std::function<void(Kind kind, std::string_view payload)>;

class Node {
  public:
    // The node of this process, started on first use. Thread-safe.
    static Node& get();
    // The node if one is running in this process, else nullptr.
    static Node* peek() noexcept;
    // Counts forks: a thread-local cache built under another generation is stale.
    static std::uint64_t generation() noexcept;
    // Forgets the parent's node in a forked child (see session.hpp).
    static void forget_after_fork() noexcept;
    // Stops the I/O thread and closes the mailbox (at exit). Idempotent.
    static void shutdown_current() noexcept;

    Node();
    ~Node();
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    zmq::context_t& context() noexcept { return context_; }
    const std::string& endpoint() const noexcept { return endpoint_; }
    // The tcp:// endpoint bound beside the ipc one (mpact::node_address), or empty.
    const std::string& tcp_endpoint() const noexcept { return tcp_endpoint_; }
    bool on_io_thread() const noexcept { return std::this_thread::get_id() == io_thread_id_; }
    NodeCounters& counters() noexcept { return counters_; }
    boost::asio::io_context& io() noexcept { return io_; }
    Mailbox& mailbox() noexcept { return *mailbox_; }
    LaneListener& lanes() noexcept { return *lanes_; }
    ProcessWatch& process_watch() noexcept { return *process_watch_; }
    TailFlusher& tail_flusher() noexcept { return *tail_flusher_; }
    std::uint64_t max_message_size() const noexcept { return max_message_size_; }
    void set_max_message_size(std::uint64_t bytes) noexcept { max_message_size_ = bytes; }

    // Runs `fn` on the I/O thread (then serves any mail its sends made ready).
    void post(std::function<void()> fn);
    // Runs `fn` on the I/O thread and waits for it (directly when already there).
    void run_sync(const std::function<void()>& fn);

    // Actor table; used on the I/O thread only.
    ActorRef host(std::unique_ptr<Actor> actor, std::string name);
    std::shared_ptr<ActorHost> find_actor(std::string_view name);
    void remove_actor(std::string_view name);

    // Sends a request from the I/O thread; `done` gets the reply, the error, or a
    // local failure (timeout, peer down) encoded as an error payload.
    void request_async(const ActorRef& to, std::string_view type, std::string payload,
                       std::optional<Deadline> deadline, ReplyCallback done);

    // The actor whose handler is running (I/O thread), or nullptr.
    ActorHost* current_actor() const noexcept { return current_actor_; }
    void set_current_actor(ActorHost* host) noexcept { current_actor_ = host; }

    // Called by the mailbox for every well-formed message.
    void dispatch(const std::string& identity, Header header, std::string_view payload);
    // Called by the mailbox for a batch (kind 5): its one-way messages, in order.
    void dispatch_batch(const Header& header, std::string_view payload);

    // A switch-over sync of one of the I/O thread's links (transport/link_lane.cpp): the
    // correlation id to send; its answer calls the link's lane_synced(). Thread-safe.
    std::uint64_t expect_lane_sync(std::weak_ptr<Link> link);
    // The link gave that sync up: a late answer counts as unmatched. Thread-safe.
    void forget_lane_sync(std::uint64_t corr) noexcept;

  private:
    void serve();       // the I/O thread's loop
    void listen_tcp();  // binds the tcp:// mailbox, if this process is asked to
    void fail_pending(std::uint64_t corr, std::string_view kind, std::string_view message);

    zmq::context_t& context_;
    std::string endpoint_;
    std::string tcp_endpoint_;
    std::unique_ptr<TcpGuard> tcp_guard_;  // outlives the mailbox: destroyed after it
    boost::asio::io_context io_;
    std::unique_ptr<Mailbox> mailbox_;
    std::unique_ptr<LaneListener> lanes_;
    std::unique_ptr<ProcessWatch> process_watch_;
    std::unique_ptr<TailFlusher> tail_flusher_;
    NodeCounters counters_;
    std::atomic<std::uint64_t> max_message_size_{std::uint64_t{1} << 31};
    std::map<std::string, std::shared_ptr<ActorHost>, std::less<>> actors_;
    std::unordered_map<pid_t, std::vector<std::uint64_t>> pending_by_pid_;
    std::mutex lane_syncs_mutex_;
    std::unordered_map<std::uint64_t, std::weak_ptr<Link>> lane_syncs_;
    std::uint64_t next_lane_sync_ = 0;
    std::uint64_t next_actor_id_ = 0;
    struct Pending {
        ReplyCallback done;
        std::unique_ptr<boost::asio::steady_timer> timer;
        pid_t pid = 0;
    };
    std::unordered_map<std::uint64_t, Pending> pending_;
    std::uint64_t next_corr_ = 0;
    std::atomic<std::uint64_t> posted_{0};  // post() calls: traffic, for serve()'s spin
    ActorHost* current_actor_ = nullptr;
    std::thread io_thread_;
    std::thread::id io_thread_id_;
};

}  // namespace mpact::detail
