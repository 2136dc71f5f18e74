#pragma once
/// ActorRef: the address of an actor — its node's endpoint and its name. Cheap to copy,
/// msgpack-serialisable (pass it to a child process as an argument and use it there).
///
///     ref.send(Add{5});                         // one-way
///     int n = ref.request<int>(Get{}, 1s);      // round trip, TimeoutError after 1 s
///     auto down = ref.monitor().wait(5s);       // std::optional<Down>
///
/// Python: a manager proxy's address, or an Erlang pid.
/// Throws: request() raises TimeoutError when the deadline passes, ActorDownError when the
/// actor or its process ends first (detected within 1 s, usually at once), the handler's own
/// error type (or RemoteError) when it threw, ProtocolError when the actor cannot decode M.
/// Thread-safety: any thread may use any ActorRef at any time.
#include <mpact/codec.hpp>
#include <mpact/time.hpp>
#include <mpact/type_name.hpp>

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mpact {

class ActorRef;

/// Why a monitored actor is gone. Python: none; Erlang: {'DOWN', Ref, process, Pid, Reason}.
struct Down {
    std::string endpoint;  ///< the node the actor lived on
    std::string name;      ///< the actor's name there
    std::string reason;    ///< "normal", "stopped", "process 123 exited", the error text...
    MSGPACK_DEFINE(endpoint, name, reason)
};

namespace detail {
void send_message(const ActorRef& to, std::string_view type, std::string payload);
std::string request_message(const ActorRef& to, std::string_view type, std::string payload,
                            std::optional<Deadline> deadline);
struct MonitorState;
void flush_this_thread();
}  // namespace detail

/// Hands the one-way messages this thread has sent and the runtime still holds for
/// batching (see ActorRef::send) to ZeroMQ now. Rarely needed: they leave within about
/// 100 µs anyway, before any request of this thread, and at thread exit.
/// Thread-safety: acts on the calling thread's messages only.
void flush();

/// Waits for one actor's end. Move-only; obtained from ActorRef::monitor().
class Monitor {
  public:
    explicit Monitor(std::unique_ptr<detail::MonitorState> state);
    Monitor(Monitor&&) noexcept;
    Monitor& operator=(Monitor&&) noexcept;
    ~Monitor();
    /// The Down once the actor has ended, or std::nullopt if `timeout` passes first.
    [[nodiscard]] std::optional<Down> wait(Duration timeout);
    /// Blocks until the actor has ended.
    [[nodiscard]] Down wait();

  private:
    std::unique_ptr<detail::MonitorState> state_;
};

/// The address of an actor.
class ActorRef {
  public:
    ActorRef() = default;
    ActorRef(std::string endpoint, std::string name)
        : endpoint_(std::move(endpoint)), name_(std::move(name)) {}

    [[nodiscard]] const std::string& endpoint() const noexcept { return endpoint_; }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    /// The pid of the process hosting the actor (parsed from an ipc endpoint); 0 if unknown.
    [[nodiscard]] pid_t pid() const noexcept;
    [[nodiscard]] bool valid() const noexcept { return !endpoint_.empty(); }
    friend bool operator==(const ActorRef&, const ActorRef&) = default;

    /// Sends `msg` one-way. Delivery is not confirmed: use request() for what must arrive.
    /// Messages from one thread to one actor arrive in order, and before that thread's later
    /// requests to it. Bursts are coalesced into batches: the first message of a burst goes
    /// out at once, the ones that follow within about 100 µs (sooner at the next request,
    /// mpact::flush() or thread exit).
    template <class M>
    void send(const M& msg) const {
        detail::send_message(*this, type_name<M>(), pack(msg));
    }
    /// Sends `msg` and waits at most `timeout` for the reply, converted to R.
    template <class R = void, class M>
    R request(const M& msg, Duration timeout) const {
        return decode<R>(
            detail::request_message(*this, type_name<M>(), pack(msg), deadline_after(timeout)));
    }
    /// Sends `msg` and waits for the reply for as long as the actor lives.
    template <class R = void, class M>
    R request(const M& msg) const {
        return decode<R>(detail::request_message(*this, type_name<M>(), pack(msg), std::nullopt));
    }
    /// Waits until the actor answers (it may still be starting in another process).
    /// Returns false if `timeout` passes or its process ends first.
    [[nodiscard]] bool wait_ready(Duration timeout) const;
    /// Starts watching the actor; the Monitor reports its end.
    [[nodiscard]] Monitor monitor() const;
    /// Asks the actor to stop (reason "stopped") and waits for it to acknowledge.
    /// Returns false if `timeout` passed first; an actor already gone counts as stopped.
    bool stop(Duration timeout) const;

    MSGPACK_DEFINE(endpoint_, name_)

  private:
    template <class R>
    static R decode(const std::string& payload) {
        if constexpr (!std::is_void_v<R>) return unpack<R>(payload);
    }

    std::string endpoint_;
    std::string name_;
};

}  // namespace mpact
