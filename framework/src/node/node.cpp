#include <mpact/internal/actor_host.hpp>
#include <mpact/internal/adaptive_spin.hpp>
#include <mpact/internal/error_payload.hpp>
#include <mpact/internal/exit_hooks.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/internal/pidfd.hpp>
#include <mpact/internal/session.hpp>
#include <mpact/internal/this_pid.hpp>

#include "net/curve_keys.hpp"
#include "net/net_config.hpp"
#include "net/tcp_guard.hpp"
#include "node/lane_listener.hpp"
#include "node/mailbox.hpp"
#include "node/names.hpp"
#include "node/process_watch.hpp"
#include "transport/link.hpp"
#include "transport/tail_flusher.hpp"
#include "wire/batch.hpp"
#include "wire/envelope.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <new>
#include <vector>

namespace mpact::detail {

namespace {

std::mutex& node_mutex() {
    static std::mutex mutex;
    return mutex;
}
// Read without the lock on every get() (the fast path), so atomics: the pid is published
// after the node, and cleared before it.
std::atomic<Node*> g_node{nullptr};
std::atomic<pid_t> g_node_pid{0};
pid_t g_shut_down_pid = 0;  // this process's node has shut down at exit: never rebuild it
std::atomic<std::uint64_t> g_generation{1};

// One context per node, never terminated (see ~Node); kept reachable for leak checkers.
zmq::context_t& leaked_context() {
    static auto* contexts = new std::vector<zmq::context_t*>();  // never destroyed
    contexts->push_back(new zmq::context_t(1));
    return *contexts->back();
}

}  // namespace

Node& Node::get() {
    if (g_node_pid.load(std::memory_order_acquire) == this_pid()) {
        if (Node* node = g_node.load(std::memory_order_acquire)) return *node;
    }
    std::lock_guard lock(node_mutex());
    if (g_shut_down_pid == ::getpid()) {
        // A thread still running during exit: rebuilding the node now would use a session
        // that static destruction is taking apart.
        throw ActorDownError("this process's mpact node has shut down: the program is exiting");
    }
    if (g_node.load() == nullptr || g_node_pid.load() != ::getpid()) {
        g_node_pid.store(0);
        g_node.store(new Node());
        g_node_pid.store(::getpid(), std::memory_order_release);
        static bool registered = false;
        if (!registered) {
            registered = true;
            std::atexit([] { Node::shutdown_current(); });
        }
    }
    return *g_node.load();
}

Node* Node::peek() noexcept {
    return g_node_pid.load(std::memory_order_acquire) == this_pid()
               ? g_node.load(std::memory_order_acquire)
               : nullptr;
}

std::uint64_t Node::generation() noexcept {
    return g_generation.load();
}

void Node::forget_after_fork() noexcept {
    // The parent's node (its I/O thread, libzmq's threads) does not exist here: leak it.
    g_node_pid.store(0);
    g_node.store(nullptr);
    new (&node_mutex()) std::mutex();  // it may have been held by another parent thread
    ++g_generation;
}

void Node::shutdown_current() noexcept {
    run_exit_hooks();  // they may still need the node
    Node* node = nullptr;
    {
        std::lock_guard lock(node_mutex());
        if (g_node.load() == nullptr || g_node_pid.load() != ::getpid()) return;
        g_shut_down_pid = ::getpid();
        g_node_pid.store(0);
        node = g_node.exchange(nullptr);
    }
    ++g_generation;  // every thread's links to the old context are stale now
    delete node;
}

Node::Node() : context_(leaked_context()), endpoint_(endpoint_for_pid(::getpid())) {
    mailbox_ = std::make_unique<Mailbox>(*this, context_, endpoint_);
    listen_tcp();
    lanes_ = std::make_unique<LaneListener>(*this, endpoint_);
    process_watch_ = std::make_unique<ProcessWatch>(io_);
    tail_flusher_ = std::make_unique<TailFlusher>(io_);
    std::promise<std::thread::id> started;
    auto started_future = started.get_future();
    io_thread_ = std::thread([this, &started] {
        started.set_value(std::this_thread::get_id());
        auto guard = boost::asio::make_work_guard(io_);
        boost::asio::post(io_, [this] {
            lanes_->start();
            mailbox_->drain();
        });
        serve();
    });
    io_thread_id_ = started_future.get();
}

void Node::listen_tcp() {
    // Only the session's root listens: children inherit MPACT_LISTEN and would contend for
    // one port; they reach tcp:// peers through their links all the same.
    if (session().root_pid != ::getpid()) return;
    auto address = listen_address();
    if (!address) return;
    if (!address->starts_with("tcp://")) {
        throw ValueError("cannot listen at '" + *address +
                         "': MPACT_LISTEN / InitOptions::listen "
                         "takes tcp://host:port (port 0 picks one)");
    }
    if (insecure_plaintext_tcp()) {
        std::fprintf(stderr,
                     "mpact: WARNING: %s accepts PLAINTEXT, UNAUTHENTICATED tcp "
                     "(insecure_plaintext_tcp): anyone who can reach it can send to this "
                     "program's actors and read their traffic\n",
                     address->c_str());
    } else {
        // The ZAP handler is bound before the CURVE listener exists: libzmq admits every
        // key while no handler is bound.
        tcp_guard_ = std::make_unique<TcpGuard>(context_, session_curve_keys().client_public,
                                                counters_.refused_auth);
    }
    tcp_endpoint_ = mailbox_->listen_tcp(*address, tcp_guard_.get(), max_message_size());
}

Node::~Node() {
    if (io_thread_.joinable()) {
        boost::asio::post(io_, [this] {
            // Actors end first (their monitors and pending replies are told), then the rest.
            while (!actors_.empty()) {
                auto host = actors_.begin()->second;
                actors_.erase(actors_.begin());
                host->stop("shutdown");
            }
            for (auto& [corr, pending] : pending_) {
                if (pending.timer) pending.timer->cancel();
            }
            pending_.clear();
            // What other threads still hold in batches leaves before the I/O thread ends.
            tail_flusher_->flush_all();
            tail_flusher_->cancel();
            boost::asio::post(io_, [this] {
                lanes_->close();
                mailbox_->close();
                process_watch_.reset();
                io_.stop();
            });
        });
        io_thread_.join();
    }
    // context_ is left to the OS on purpose: other threads may still hold links into it,
    // and zmq_ctx_term would wait for them forever.
}

void Node::serve() {
    // After a turn that served messages, the next often follows at once (the requester got
    // its answer and asks again; a worker reports and waits for more): the thread looks for
    // it without sleeping for a while (adaptively, default_spin()) and so saves the sleep and
    // the wake-up — on these VMs ~10-25 us each. A turn of timers only goes back to sleep.
    AdaptiveSpin spin;
    auto traffic = [this] {
        return counters_.received.load(std::memory_order_relaxed) +
               counters_.lane_received.load(std::memory_order_relaxed) +
               posted_.load(std::memory_order_relaxed);
    };
    auto seen = traffic();
    while (!io_.stopped()) {
        io_.run_one();
        while (io_.poll_one() > 0) {
        }
        if (traffic() == seen) continue;
        while (spin.wait([this] { return io_.poll() > 0; }, default_spin())) {
            if (io_.stopped()) break;
        }
        seen = traffic();
    }
}

void Node::post(std::function<void()> fn) {
    posted_.fetch_add(1, std::memory_order_relaxed);
    boost::asio::post(io_, [this, fn = std::move(fn)] {
        fn();
        mailbox_->drain();
    });
}

void Node::run_sync(const std::function<void()>& fn) {
    if (on_io_thread()) {
        fn();
        return;
    }
    std::promise<void> done;
    auto future = done.get_future();
    post([&] {
        try {
            fn();
            done.set_value();
        } catch (...) {
            done.set_exception(std::current_exception());
        }
    });
    future.get();
}

ActorRef Node::host(std::unique_ptr<Actor> actor, std::string name) {
    if (name.empty()) name = "actor-" + std::to_string(++next_actor_id_);
    if (actors_.contains(name)) {
        throw ValueError("an actor named '" + name + "' already lives in this process");
    }
    ActorRef ref(endpoint_, name);
    auto host = std::make_shared<ActorHost>(*this, std::move(actor), ref);
    actors_.emplace(name, host);
    host->start();
    return ref;
}

std::shared_ptr<ActorHost> Node::find_actor(std::string_view name) {
    auto it = actors_.find(name);
    return it == actors_.end() ? nullptr : it->second;
}

void Node::remove_actor(std::string_view name) {
    if (auto it = actors_.find(name); it != actors_.end()) actors_.erase(it);
}

void Node::dispatch(const std::string& identity, Header header, std::string_view payload) {
    if (wire_deadline_passed(header.deadline_us)) {
        ++counters_.expired;  // the requester has given up already
        return;
    }
    if (header.kind == Kind::reply || header.kind == Kind::error) {
        if ((header.corr & kLaneSyncCorr) != 0) {
            std::shared_ptr<Link> link;
            {
                std::lock_guard lock(lane_syncs_mutex_);
                auto sync = lane_syncs_.find(header.corr);
                if (sync == lane_syncs_.end()) {
                    ++counters_.unmatched;
                    return;
                }
                link = sync->second.lock();
                lane_syncs_.erase(sync);
            }
            if (link) link->lane_synced(header.corr);
            return;
        }
        auto it = pending_.find(header.corr);
        if (it == pending_.end()) {  // late, after a timeout, or never asked
            ++counters_.unmatched;
            return;
        }
        auto done = std::move(it->second.done);
        if (it->second.timer) it->second.timer->cancel();
        pending_.erase(it);
        done(header.kind, payload);
        return;
    }
    if (header.to.empty() && header.type == kWhereisType) {
        if (header.kind == Kind::request) answer_whereis(*this, identity, header, payload);
        return;
    }
    if (header.to.empty() && header.type == kSyncType) {
        if (header.kind != Kind::request) return;
        if (header.from_endpoint.empty()) {  // a thread's settle (transport/link.hpp)
            make_reply_token(*this, identity, header)->reply(pack(msgpack::type::nil_t{}));
            return;
        }
        // A link's switch-over sync: answered past anything this node's own link to the
        // sender holds for its switch-over (two nodes switching at once would otherwise
        // each hold the other's answer).
        Header answer;
        answer.kind = Kind::reply;
        answer.corr = header.corr;
        try {
            LinkCache::for_this_thread()
                .get(header.from_endpoint)
                .send(encode_header(answer), pack(msgpack::type::nil_t{}), true);
        } catch (const zmq::error_t&) {
        } catch (const Error&) {  // this process is exiting
        }
        return;
    }
    auto actor = find_actor(header.to);
    if (!actor) {
        ++counters_.unknown_actor;
        if (header.kind == Kind::request) {
            reply_error(*this, identity, header, "ActorDownError",
                        "no actor named '" + header.to + "' lives at " + endpoint_);
        }
        return;
    }
    actor->deliver(identity, header, payload);
}

void Node::dispatch_batch(const Header& header, std::string_view payload) {
    auto batch = BatchReader::decode(payload, max_message_size());
    if (!batch) {
        ++counters_.malformed;
        return;
    }
    // Consecutive groups usually go to one actor: look it up once.
    std::shared_ptr<ActorHost> actor;
    std::string_view actor_name;
    bool looked_up = false;
    for (std::uint32_t i = 0; i < batch->groups(); ++i) {
        auto group = batch->group(i);
        if (!looked_up || group.to != actor_name) {
            actor = find_actor(group.to);
            actor_name = group.to;
            looked_up = true;
        }
        if (!actor) {
            counters_.unknown_actor += group.count;
            continue;
        }
        actor->deliver_group(header.from_endpoint, group);
    }
}

void Node::request_async(const ActorRef& to, std::string_view type, std::string payload,
                         std::optional<Deadline> deadline, ReplyCallback done) {
    auto corr = ++next_corr_;
    Pending pending{std::move(done), nullptr, pid_of_endpoint(to.endpoint())};
    if (deadline) {
        pending.timer = std::make_unique<boost::asio::steady_timer>(io_, *deadline);
        pending.timer->async_wait([this, corr,
                                   name = to.name()](const boost::system::error_code& ec) {
            if (!ec)
                fail_pending(corr, "TimeoutError", "no reply from actor '" + name + "' in time");
        });
    }
    if (pending.pid != 0 && pending.pid != ::getpid()) {
        auto& waiting = pending_by_pid_[pending.pid];
        if (waiting.empty()) {
            process_watch_->watch(pending.pid, [this, pid = pending.pid] {
                // Replies the peer sent before it ended come first (an actor's last Down).
                mailbox_->drain();
                auto corrs = std::move(pending_by_pid_[pid]);
                pending_by_pid_.erase(pid);
                for (auto c : corrs) {
                    fail_pending(c, "ActorDownError", "process " + std::to_string(pid) + " ended");
                }
                mailbox_->drain();
            });
        }
        waiting.push_back(corr);
    }
    pending_.emplace(corr, std::move(pending));
    Header h;
    h.kind = Kind::request;
    h.to = to.name();
    h.from_endpoint = endpoint_;
    if (current_actor_ != nullptr) h.from_name = current_actor_->self().name();
    h.corr = corr;
    h.deadline_us = to_wire_deadline(deadline);
    h.type = std::string(type);
    try {
        auto& links = LinkCache::for_this_thread();
        links.flush_all();  // the request does not overtake the actors' earlier sends
        links.get(to.endpoint()).send(encode_header(h), std::move(payload));
    } catch (const zmq::error_t& e) {
        fail_pending(corr, "ActorDownError",
                     std::string("cannot reach ") + to.endpoint() + ": " + e.what());
    } catch (const Error& e) {  // this process is exiting
        fail_pending(corr, e.kind(), e.what());
    }
}

std::uint64_t Node::expect_lane_sync(std::weak_ptr<Link> link) {
    std::lock_guard lock(lane_syncs_mutex_);
    const auto corr = kLaneSyncCorr | ++next_lane_sync_;
    lane_syncs_.emplace(corr, std::move(link));
    return corr;
}

void Node::forget_lane_sync(std::uint64_t corr) noexcept {
    std::lock_guard lock(lane_syncs_mutex_);
    lane_syncs_.erase(corr);
}

void Node::fail_pending(std::uint64_t corr, std::string_view kind, std::string_view message) {
    auto it = pending_.find(corr);
    if (it == pending_.end()) return;
    auto done = std::move(it->second.done);
    if (it->second.timer) it->second.timer->cancel();
    pending_.erase(it);
    done(Kind::error, pack_error(kind, message));
}

}  // namespace mpact::detail
