#include <mpact/internal/actor_host.hpp>
#include <mpact/internal/error_payload.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/internal/pidfd.hpp>
#include <mpact/internal/session.hpp>

#include "node/mailbox.hpp"
#include "node/process_watch.hpp"
#include "wire/batch.hpp"
#include "wire/envelope.hpp"

#include <boost/asio/post.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <tuple>

namespace mpact::detail {

ActorHost::ActorHost(Node& node, std::unique_ptr<Actor> actor, ActorRef self)
    : node_(node), actor_(std::move(actor)), self_(std::move(self)) {
    actor_->self_ = self_;
    actor_->host_ = this;
}

ActorHost::~ActorHost() {
    for (auto& [id, timer] : timers_) timer->cancel();
}

void ActorHost::start() {
    node_.set_current_actor(this);
    try {
        actor_->on_start();
    } catch (const std::exception& e) {
        stop(std::string("on_start threw: ") + e.what());
    }
    node_.set_current_actor(nullptr);
}

void ActorHost::deliver(const std::string& identity, const Header& header,
                        std::string_view payload) {
    const bool is_request = header.kind == Kind::request;
    if (stopping_) {
        if (is_request)
            reply_error(node_, identity, header, "ActorDownError",
                        "actor '" + self_.name() + "' is stopping");
        return;
    }
    if (header.type == kStopType) {
        if (is_request)
            make_reply_token(node_, identity, header)->reply(pack(msgpack::type::nil_t{}));
        stop("stopped");
        return;
    }
    if (header.type == kPingType) {
        if (is_request)
            make_reply_token(node_, identity, header)->reply(pack(msgpack::type::nil_t{}));
        return;
    }
    if (header.type == kMonitorType) {
        // The token answers with our Down when we end; until then the requester waits.
        auto token = make_reply_token(node_, identity, header);
        add_watcher([token](const Down& down) { token->reply(pack(down)); });
        return;
    }
    auto it = actor_->handlers_.find(header.type);
    if (it == actor_->handlers_.end()) {
        ++node_.counters().handler_errors;
        if (is_request) {
            reply_error(node_, identity, header, "ProtocolError",
                        "actor '" + self_.name() + "' has no handler for message type '" +
                            header.type + "'");
        }
        return;
    }
    ++node_.counters().delivered;
    Delivery delivery{payload, is_request ? make_reply_token(node_, identity, header) : nullptr};
    actor_->sender_ =
        header.from_name.empty() ? ActorRef{} : ActorRef(header.from_endpoint, header.from_name);
    node_.set_current_actor(this);
    it->second(delivery);
    node_.set_current_actor(nullptr);
    actor_->sender_ = ActorRef{};
}

void ActorHost::deliver_group(std::string_view from_endpoint, const BatchGroup& group) {
    if (stopping_) return;
    if (group.type.starts_with("mpact.")) {
        // The runtime's own messages, one by one as if each came alone (they carry nil).
        Header h;
        h.kind = Kind::send;
        h.to = group.to;
        h.from_endpoint = from_endpoint;
        h.from_name = group.from_name;
        h.type = group.type;
        for (std::uint32_t i = 0; i < group.count && !stopping_; ++i) deliver({}, h, "\xc0");
        return;
    }
    auto it = actor_->handlers_.find(std::string(group.type));
    if (it == actor_->handlers_.end()) {
        node_.counters().handler_errors += group.count;
        return;
    }
    // References into the table stay valid if a handler registers another handler.
    auto& handler = it->second;
    actor_->sender_ = group.from_name.empty()
                          ? ActorRef{}
                          : ActorRef(std::string(from_endpoint), std::string(group.from_name));
    node_.set_current_actor(this);
    std::uint32_t delivered = 0;
    for (; delivered < group.count && !stopping_; ++delivered) {
        Delivery delivery{{}, nullptr, &group.messages[delivered]};
        handler(delivery);
    }
    node_.set_current_actor(nullptr);
    actor_->sender_ = ActorRef{};
    node_.counters().delivered += delivered;
}

void ActorHost::stop(std::string reason) {
    if (stopping_) return;
    stopping_ = true;
    stop_reason_ = std::move(reason);
    // After the current handler: the actor may still be on the stack.
    boost::asio::post(node_.io(), [self = shared_from_this()] { self->finish(); });
}

void ActorHost::stop_after(const std::vector<pid_t>& pids, std::string reason) {
    // One count per process still running, and one for this loop: a watch may fire soon.
    auto left = std::make_shared<std::size_t>(1);
    std::weak_ptr<ActorHost> weak = shared_from_this();
    auto done = [weak, left, reason] {
        if (--*left != 0) return;
        if (auto self = weak.lock()) self->stop(reason);
    };
    for (pid_t pid : pids) {
        if (pid == ::getpid() || !process_running(pid)) continue;
        ++*left;
        node_.process_watch().watch(pid, done);
    }
    done();
}

void ActorHost::finish() {
    for (auto& [id, timer] : timers_) timer->cancel();
    timers_.clear();
    try {
        actor_->on_stop(stop_reason_);
    } catch (...) {
    }
    Down down{self_.endpoint(), self_.name(), stop_reason_};
    auto watchers = std::move(watchers_);
    for (auto& watcher : watchers) watcher(down);
    auto keep_alive = shared_from_this();
    node_.remove_actor(self_.name());
    actor_.reset();  // unanswered Reply tokens fail their requests here
    node_.mailbox().drain();
}

void ActorHost::add_watcher(std::function<void(const Down&)> on_down) {
    if (stopping_ && !actor_) {
        on_down(Down{self_.endpoint(), self_.name(), stop_reason_});
        return;
    }
    watchers_.push_back(std::move(on_down));
}

void ActorHost::deliver_down(const Down& down) {
    if (!actor_ || stopping_) return;
    node_.set_current_actor(this);
    try {
        actor_->on_down(down);
    } catch (const std::exception& e) {
        stop(std::string("on_down threw: ") + e.what());
    }
    node_.set_current_actor(nullptr);
}

void ActorHost::monitor(const ActorRef& ref) {
    std::weak_ptr<ActorHost> weak = shared_from_this();
    auto deliver = [weak](const Down& down) {
        if (auto self = weak.lock()) self->deliver_down(down);
    };
    if (ref.endpoint() == node_.endpoint()) {
        if (auto target = node_.find_actor(ref.name())) {
            target->add_watcher(deliver);
        } else {
            boost::asio::post(node_.io(), [deliver, ref] {
                deliver(Down{ref.endpoint(), ref.name(), "noproc"});
            });
        }
        return;
    }
    node_.request_async(ref, kMonitorType, pack(msgpack::type::nil_t{}), std::nullopt,
                        [deliver, ref](Kind kind, std::string_view payload) {
                            if (kind == Kind::reply) {
                                try {
                                    deliver(unpack<Down>(payload));
                                    return;
                                } catch (const ProtocolError&) {
                                }
                            }
                            std::string reason = "noproc";
                            try {
                                reason = unpack_error(payload).message;
                            } catch (const ProtocolError&) {
                            }
                            deliver(Down{ref.endpoint(), ref.name(), reason});
                        });
}

void ActorHost::monitor_process(pid_t pid) {
    std::weak_ptr<ActorHost> weak = shared_from_this();
    node_.process_watch().watch(pid, [weak, pid, this] {
        auto self = weak.lock();
        if (!self) return;
        self->deliver_down(
            Down{endpoint_for_pid(pid), {}, "process " + std::to_string(pid) + " ended"});
        node_.mailbox().drain();
    });
}

void ActorHost::run_as_actor(const std::function<void()>& fn) {
    if (!actor_ || stopping_) return;
    auto* previous = node_.current_actor();
    node_.set_current_actor(this);
    try {
        fn();
    } catch (const std::exception& e) {
        stop(std::string("when_ready callback threw: ") + e.what());
    }
    node_.set_current_actor(previous);
}

void ActorHost::when_ready(const ActorRef& ref, Deadline deadline, Duration pause,
                           std::function<void(bool)> done) {
    std::weak_ptr<ActorHost> weak = shared_from_this();
    if (ref.endpoint() == node_.endpoint()) {
        bool ok = node_.find_actor(ref.name()) != nullptr;
        boost::asio::post(node_.io(), [weak, ok, done = std::move(done)] {
            if (auto self = weak.lock()) self->run_as_actor([&] { done(ok); });
        });
        return;
    }
    node_.request_async(
        ref, kPingType, pack(msgpack::type::nil_t{}), deadline,
        [weak, ref, deadline, pause, done = std::move(done)](Kind kind, std::string_view payload) {
            auto self = weak.lock();
            if (!self || self->stopping_) return;
            const bool ok = kind == Kind::reply;
            if (!ok) {
                // ActorDownError while the process runs: its node does not host `ref` yet (it
                // is still starting). Ask again shortly, as ActorRef::wait_ready does.
                std::string error_kind;
                try {
                    error_kind = unpack_error(payload).kind;
                } catch (const ProtocolError&) {
                }
                const auto pid = ref.pid();
                if (error_kind == "ActorDownError" && pid != 0 && process_running(pid) &&
                    Clock::now() + pause < deadline) {
                    auto* host = self.get();
                    self->start_timer(pause, [host, ref, deadline, pause, done] {
                        auto next = std::min<Duration>(pause * 2, std::chrono::milliseconds(20));
                        host->when_ready(ref, deadline, next, done);
                    });
                    return;
                }
            }
            self->run_as_actor([&] { done(ok); });
        });
}

std::uint64_t ActorHost::start_timer(Duration delay, std::function<void()> fn) {
    auto id = ++next_timer_;
    auto timer = std::make_unique<boost::asio::steady_timer>(node_.io(), delay);
    std::weak_ptr<ActorHost> weak = shared_from_this();
    timer->async_wait([weak, id, fn = std::move(fn)](const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (ec || !self || self->stopping_) return;
        self->timers_.erase(id);
        self->node_.set_current_actor(self.get());
        try {
            fn();
        } catch (const std::exception& e) {
            self->stop(std::string("timer threw: ") + e.what());
        }
        self->node_.set_current_actor(nullptr);
        self->node_.mailbox().drain();
    });
    timers_.emplace(id, std::move(timer));
    return id;
}

void ActorHost::cancel_timer(std::uint64_t id) {
    if (auto it = timers_.find(id); it != timers_.end()) {
        it->second->cancel();
        timers_.erase(it);
    }
}

}  // namespace mpact::detail

namespace mpact {

void Actor::stop(std::string reason) {
    if (host_) host_->stop(std::move(reason));
}
void Actor::monitor(const ActorRef& ref) {
    if (host_) host_->monitor(ref);
}
void Actor::monitor_process(pid_t pid) {
    if (host_) host_->monitor_process(pid);
}
void Actor::when_ready(const ActorRef& ref, Duration timeout, std::function<void(bool)> done) {
    if (!host_) throw ValueError("when_ready() needs a spawned actor");
    host_->when_ready(ref, deadline_after(timeout), std::chrono::milliseconds(1), std::move(done));
}
std::uint64_t Actor::start_timer(Duration delay, std::function<void()> fn) {
    if (!host_) throw ValueError("start_timer() needs a spawned actor");
    return host_->start_timer(delay, std::move(fn));
}
void Actor::cancel_timer(std::uint64_t id) {
    if (host_) host_->cancel_timer(id);
}

}  // namespace mpact
