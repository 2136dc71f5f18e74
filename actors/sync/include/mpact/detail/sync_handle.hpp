#pragma once
/// What every synchronisation handle (Lock, RLock, Semaphore, Event, Condition, Barrier) is
/// made of: the address of the primitive's actor, and in the creating process a share of its
/// lifetime. Not for direct use; see <mpact/lock.hpp> and its siblings.
#include <mpact/actor_ref.hpp>
#include <mpact/codec.hpp>
#include <mpact/time.hpp>
#include <mpact/type_name.hpp>

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace mpact {
class Actor;
}  // namespace mpact

namespace mpact::detail {

/// Who holds or waits: a process and one of its threads (the kernel's thread id). Python's
/// RLock and owner_died() are per thread, so ownership is too.
struct Owner {
    std::int32_t pid = 0;
    std::int64_t tid = 0;
    friend bool operator==(const Owner&, const Owner&) = default;
    MSGPACK_DEFINE(pid, tid)
};
/// The calling thread.
[[nodiscard]] Owner this_owner() noexcept;
/// An unguessable request ticket (never 0): a grant's proof of ownership.
[[nodiscard]] std::uint64_t new_ticket();
/// A wait bound as it travels: -1 forever, 0 not at all, else microseconds.
[[nodiscard]] std::int64_t wait_us(std::optional<Duration> timeout) noexcept;

class SyncHandle {
  public:
    SyncHandle() = default;
    /// Hosts `actor` in this process under a name starting with `kind` ("Lock#3"); this
    /// process owns it: the last owning handle here stops it, or, while non-daemon children
    /// of this process run, lets it serve them until they have ended.
    SyncHandle(std::string_view kind, std::unique_ptr<Actor> actor);
    /// A handle rebuilt from the wire: it reaches the actor, it does not own it.
    explicit SyncHandle(ActorRef actor) : actor_(std::move(actor)) {}

    [[nodiscard]] const ActorRef& actor() const noexcept { return actor_; }
    /// "endpoint#name": one primitive in every process.
    [[nodiscard]] std::string key() const { return actor_.endpoint() + '#' + actor_.name(); }
    friend bool operator==(const SyncHandle& a, const SyncHandle& b) {
        return a.actor_ == b.actor_;
    }

    /// A request that the actor parks at most `wait` (nullopt: as long as the requester
    /// lives); the caller gives it a grace period beyond that. ActorDownError names the
    /// primitive when its creating process has ended.
    template <class R = void, class M>
    R call(const M& msg, std::optional<Duration> wait = Duration::zero()) const {
        auto reply = request(type_name<M>(), pack(msg), wait);
        if constexpr (!std::is_void_v<R>) return unpack<R>(reply);
    }
    /// A one-way message.
    template <class M>
    void send(const M& msg) const {
        actor_.send(msg);
    }

  private:
    std::string request(std::string_view type, std::string payload,
                        std::optional<Duration> wait) const;

    ActorRef actor_;
    std::shared_ptr<void> owner_;  // creating process only
};

}  // namespace mpact::detail

/// Every sync handle travels as its `Wire` and is rebuilt with `from_wire` (never as a new
/// primitive: a default-constructed Lock creates one). It is packed from `packed()`, the same
/// fields by reference to the handle's own members: a packer may keep pointers to the string
/// bodies it is given (msgpack::vrefbuffer, as Connection::send uses) until it writes them.
namespace mpact::detail {
template <class T>
concept SyncWire = requires(const T& t, const typename T::Wire& w) {
    t.packed();
    { T::from_wire(w) } -> std::same_as<T>;
};
}  // namespace mpact::detail

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
    namespace adaptor {
    template <class T>
    struct as<T, std::enable_if_t<mpact::detail::SyncWire<T>>> {
        T operator()(const msgpack::object& o) const {
            return T::from_wire(o.as<typename T::Wire>());
        }
    };
    template <class T>
    struct convert<T, std::enable_if_t<mpact::detail::SyncWire<T>>> {
        const msgpack::object& operator()(const msgpack::object& o, T& v) const {
            v = T::from_wire(o.as<typename T::Wire>());
            return o;
        }
    };
    template <class T>
    struct pack<T, std::enable_if_t<mpact::detail::SyncWire<T>>> {
        template <class Stream>
        packer<Stream>& operator()(packer<Stream>& p, const T& v) const {
            return p.pack(v.packed());
        }
    };
    }  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS)
}  // namespace msgpack
