#pragma once
// ActorHost: the node's side of one actor — delivers its messages, runs its timers and
// monitors, and tells whoever watches it when it ends.
#include <mpact/actor.hpp>

#include <boost/asio/steady_timer.hpp>

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace mpact::detail {

class Node;
struct Header;
struct BatchGroup;

class ActorHost : public std::enable_shared_from_this<ActorHost> {
  public:
    ActorHost(Node& node, std::unique_ptr<Actor> actor, ActorRef self);
    ~ActorHost();

    const ActorRef& self() const noexcept { return self_; }
    bool stopping() const noexcept { return stopping_; }
    void start();
    void deliver(const std::string& identity, const Header& header, std::string_view payload);
    // One group of a batch: one-way messages of one type from one sender, in order.
    void deliver_group(std::string_view from_endpoint, const BatchGroup& group);
    // Ends the actor once the current handler returns; `reason` goes to its monitors.
    void stop(std::string reason);
    // Ends the actor once every process in `pids` has ended (at once if none runs).
    void stop_after(const std::vector<pid_t>& pids, std::string reason);
    // Runs `on_down` when this actor ends.
    void add_watcher(std::function<void(const Down&)> on_down);
    // Makes this actor's on_down() see `ref`'s end.
    void monitor(const ActorRef& ref);
    // Makes this actor's on_down() see local process `pid` end.
    void monitor_process(pid_t pid);
    // Runs `done(true)` as this actor once `ref` answers a ping, `done(false)` once
    // `deadline` passes or `ref`'s process ends; pings again while `ref` is not yet hosted.
    void when_ready(const ActorRef& ref, Deadline deadline, Duration pause,
                    std::function<void(bool)> done);
    std::uint64_t start_timer(Duration delay, std::function<void()> fn);
    void cancel_timer(std::uint64_t id);

  private:
    void finish();
    void deliver_down(const Down& down);
    // Runs `fn` as this actor (current actor set), unless it has stopped.
    void run_as_actor(const std::function<void()>& fn);

    Node& node_;
    std::unique_ptr<Actor> actor_;
    ActorRef self_;
    std::vector<std::function<void(const Down&)>> watchers_;
    std::unordered_map<std::uint64_t, std::unique_ptr<boost::asio::steady_timer>> timers_;
    std::uint64_t next_timer_ = 0;
    std::string stop_reason_;
    bool stopping_ = false;
};

// The reply route of one request: back along the ROUTER identity, or to `from_endpoint`.
std::shared_ptr<ReplyToken> make_reply_token(Node& node, const std::string& identity,
                                             const Header& request);
// Sends an error reply for a request that never reached a handler.
void reply_error(Node& node, const std::string& identity, const Header& request,
                 std::string_view kind, std::string_view message);

// Wire names of the messages every actor understands.
inline constexpr std::string_view kStopType = "mpact.stop";
inline constexpr std::string_view kMonitorType = "mpact.monitor";
inline constexpr std::string_view kPingType = "mpact.ping";
// Node-level (to = ""): answered with nil once everything sent before it on that connection
// has been read; how a sender confirms its one-way messages arrived.
inline constexpr std::string_view kSyncType = "mpact.sync";
// Node-level (to = ""): payload the name; answered with [endpoint, name] ("" = this node)
// or nil (mpact/names.hpp).
inline constexpr std::string_view kWhereisType = "mpact.whereis";

}  // namespace mpact::detail
