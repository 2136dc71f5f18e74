#pragma once
/// Registering an actor type with the Manager (Python's BaseManager.register): the manager
/// process creates it on request and the caller gets a typed handle to it.
///
///     struct Foo : mpact::Actor { Foo() { handle([](const F&) { return std::string("f()"); }); }
///     }; MPACT_MANAGED(Foo);                      // Manager.register('Foo', Foo) auto foo =
///     m.create<Foo>();              // foo = manager.Foo() foo.request<std::string>(F{}, 1s); //
///     foo.f() → "f()"
///
/// Python: BaseManager.register(typeid, callable). The exposed methods are the actor's
/// handlers (Python's public methods); a message the type does not handle fails with
/// RemoteError (Python's RemoteError for a method not exposed). The actor lives in the
/// manager's process until shutdown. MPACT_MANAGED goes at namespace scope of the binary
/// that starts the manager (spawn and forkserver re-run it there). Throws (create):
/// ValueError for a type not registered, ActorDownError. Thread-safety: any thread.
#include <mpact/actor.hpp>
#include <mpact/actor_ref.hpp>
#include <mpact/task.hpp>
#include <mpact/time.hpp>
#include <mpact/type_name.hpp>

#include <string>

namespace mpact {

namespace detail::mgr {
using Factory = ActorRef (*)();
bool register_managed(std::string type, Factory make);
}  // namespace detail::mgr

/// A typed handle to a registered actor living in a manager's process. Cheap to copy and
/// msgpack-serialisable (pass it to a child).
template <class T>
class Managed {
  public:
    Managed() = default;
    explicit Managed(ActorRef ref) : ref_(std::move(ref)) {}
    /// One round trip to the actor's handler for M, converted to R.
    template <class R = void, class M>
    R request(const M& msg, Duration timeout) const {
        return ref_.request<R>(msg, timeout);
    }
    /// One-way.
    template <class M>
    void send(const M& msg) const {
        ref_.send(msg);
    }
    [[nodiscard]] const ActorRef& ref() const noexcept { return ref_; }
    MSGPACK_DEFINE(ref_)

  private:
    ActorRef ref_;
};

}  // namespace mpact

/// Registers actor type T with every Manager of this binary (see the header).
#define MPACT_MANAGED(T)                                                             \
    [[maybe_unused]] static const bool MPACT_DETAIL_CAT(mpact_managed_, __LINE__) =  \
        ::mpact::detail::mgr::register_managed(std::string(::mpact::type_name<T>()), \
                                               [] { return ::mpact::spawn<T>(); })
