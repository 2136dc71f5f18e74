#pragma once
/// mpact::Actor: state owned by one actor, reached only by messages. Handlers run one at a
/// time on the node's I/O thread, so actor state needs no lock — and a handler must never
/// block (no sleeps, no blocking request to an actor of this same process).
///
///     struct Add { int n; MSGPACK_DEFINE(n); };
///     struct Get { MSGPACK_DEFINE(); };
///     struct Counter : mpact::Actor {
///         int value = 0;
///         Counter() {
///             handle([this](const Add& a) { value += a.n; });        // one-way
///             handle([this](const Get&) { return value; });          // request -> reply
///         }
///     };
///     mpact::ActorRef c = mpact::spawn<Counter>();
///     c.send(Add{2});
///     int v = c.request<int>(Get{}, 1s);
///
/// A handler may take `(const M&, Reply<R>)` to answer later (a queue's blocked get). An
/// exception thrown by a handler becomes the requester's error (its mpact type, or
/// RemoteError); the actor goes on. Python: a Manager's server object, one per actor.
#include <mpact/actor_ref.hpp>
#include <mpact/codec.hpp>
#include <mpact/errors.hpp>
#include <mpact/time.hpp>
#include <mpact/type_name.hpp>

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace mpact {

namespace detail {
/// Where a reply goes: implemented by the node; used once.
class ReplyToken {
  public:
    virtual ~ReplyToken() = default;
    virtual void reply(std::string payload) = 0;
    virtual void fail(std::string_view kind, std::string_view message) = 0;
    /// True if the requester's deadline has passed (nobody waits for the answer any more).
    [[nodiscard]] virtual bool expired() const = 0;
};
/// One incoming message as a handler wrapper sees it.
struct Delivery {
    std::string_view payload;
    std::shared_ptr<ReplyToken> reply;         // null for a one-way send
    const msgpack::object* message = nullptr;  // already decoded (from a batch): no payload
};
class ActorHost;

template <class F>
struct HandlerTraits : HandlerTraits<decltype(&F::operator())> {};
template <class C, class R, class M>
struct HandlerTraits<R (C::*)(M) const> {
    using Message = std::decay_t<M>;
    using Result = R;
    static constexpr bool deferred = false;
};
template <class C, class R, class M>
struct HandlerTraits<R (C::*)(M)> : HandlerTraits<R (C::*)(M) const> {};
template <class C, class M, class Rep>
struct HandlerTraits<void (C::*)(M, Rep) const> {
    using Message = std::decay_t<M>;
    using Result = void;
    using ReplyType = Rep;
    static constexpr bool deferred = true;
};
template <class C, class M, class Rep>
struct HandlerTraits<void (C::*)(M, Rep)> : HandlerTraits<void (C::*)(M, Rep) const> {};

void fail_delivery(const Delivery& d, const std::exception& e) noexcept;
void fail_delivery_unknown(const Delivery& d) noexcept;
}  // namespace detail

/// A reply promised by a handler and given later, once. Use it on the actor's thread (from
/// another handler or a timer). Dropping it unanswered fails the request with ActorDownError.
template <class R>
class Reply {
  public:
    explicit Reply(std::shared_ptr<detail::ReplyToken> token) : token_(std::move(token)) {}
    /// Answers the request with `value` (nothing happens for a one-way message).
    void operator()(const R& value) {
        if (token_) std::exchange(token_, nullptr)->reply(pack(value));
    }
    /// Fails the request with `error`'s type and message.
    void fail(const Error& error) {
        if (token_) std::exchange(token_, nullptr)->fail(error.kind(), error.what());
    }
    /// True when the requester no longer waits (its deadline passed) or nobody asked.
    [[nodiscard]] bool expired() const { return !token_ || token_->expired(); }

  private:
    std::shared_ptr<detail::ReplyToken> token_;
};

/// Base of every actor.
class Actor {
  public:
    Actor() = default;
    Actor(const Actor&) = delete;
    Actor& operator=(const Actor&) = delete;
    virtual ~Actor() = default;

    /// This actor's address (valid once spawned).
    [[nodiscard]] const ActorRef& self() const noexcept { return self_; }

  protected:
    /// Registers a handler for one message type; see the class comment for the forms.
    template <class F>
    void handle(F&& fn);
    /// Ends this actor after the current handler; monitors see `reason`.
    void stop(std::string reason = "normal");
    /// Delivers a Down to on_down() when `ref` (or its process) ends.
    void monitor(const ActorRef& ref);
    /// Delivers a Down (empty name, reason "process N ended") to on_down() when local
    /// process `pid` ends, soon if it already has. For clients that are not actors.
    void monitor_process(pid_t pid);
    /// Runs `done(true)` on this actor's thread once `ref` answers (it may still be starting
    /// in another process), or `done(false)` once `timeout` passes or its process ends first.
    /// The non-blocking twin of ActorRef::wait_ready, for an actor that starts others.
    void when_ready(const ActorRef& ref, Duration timeout, std::function<void(bool)> done);
    /// The actor that sent the message being handled; invalid if it came from a non-actor.
    [[nodiscard]] const ActorRef& sender() const noexcept { return sender_; }
    /// Runs `fn` on this actor's thread after `delay`; returns an id for cancel_timer.
    std::uint64_t start_timer(Duration delay, std::function<void()> fn);
    void cancel_timer(std::uint64_t id);

    virtual void on_start() {}
    virtual void on_down(const Down& /*down*/) {}
    virtual void on_stop(const std::string& /*reason*/) {}

  private:
    friend class detail::ActorHost;
    using Handler = std::function<void(detail::Delivery&)>;
    std::unordered_map<std::string, Handler, std::hash<std::string>, std::equal_to<>> handlers_;
    ActorRef self_;
    ActorRef sender_;
    detail::ActorHost* host_ = nullptr;
};

template <class F>
void Actor::handle(F&& fn) {
    using Traits = detail::HandlerTraits<std::decay_t<F>>;
    using M = typename Traits::Message;
    handlers_[std::string(type_name<M>())] = [fn = std::forward<F>(fn)](detail::Delivery& d) {
        try {
            M msg =
                d.message != nullptr ? detail::from_object<M>(*d.message) : unpack<M>(d.payload);
            if constexpr (Traits::deferred) {
                fn(msg, typename Traits::ReplyType(std::move(d.reply)));
            } else if constexpr (std::is_void_v<typename Traits::Result>) {
                fn(msg);
                if (d.reply) d.reply->reply(pack(msgpack::type::nil_t{}));
            } else {
                auto result = fn(msg);
                if (d.reply) d.reply->reply(pack(result));
            }
        } catch (const std::exception& e) {
            detail::fail_delivery(d, e);
        } catch (...) {
            detail::fail_delivery_unknown(d);
        }
    };
}

namespace detail {
ActorRef host_actor(std::unique_ptr<Actor> actor, std::string name);
}  // namespace detail

/// Starts actor T(args...) in this process under a generated name.
template <class T, class... Args>
ActorRef spawn(Args&&... args) {
    return detail::host_actor(std::make_unique<T>(std::forward<Args>(args)...), {});
}
/// Starts actor T(args...) in this process under `name` (ValueError if taken).
template <class T, class... Args>
ActorRef spawn_named(std::string name, Args&&... args) {
    return detail::host_actor(std::make_unique<T>(std::forward<Args>(args)...), std::move(name));
}

/// Hosts actor T(args...) in this process under `name` and blocks until it stops; returns
/// the reason. The body of a process whose whole job is one service.
template <class T, class... Args>
std::string serve(std::string name, Args&&... args) {
    auto ref = spawn_named<T>(std::move(name), std::forward<Args>(args)...);
    return ref.monitor().wait().reason;
}

}  // namespace mpact
