#pragma once
// The manager's messages (docs/protocol.md, "Manager") and the proxy core every typed proxy
// (Dict, List, Namespace) is made of. Not for direct use; see <mpact/manager.hpp>.
#include <mpact/actor_ref.hpp>
#include <mpact/codec.hpp>
#include <mpact/time.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mpact::detail::mgr {

/// What a manager object is.
enum class Kind : std::uint8_t { dict = 1, list = 2, ns = 3 };

/// One operation. Values travel as their own msgpack bytes (`args`), which the manager
/// stores as they are: it never needs the C++ type.
enum class Code : std::uint8_t {
    // dict (and namespace, keyed by the packed name)
    d_get = 1,
    d_get_or,
    d_set,
    d_contains,
    d_erase,
    d_pop,
    d_pop_or,
    d_setdefault,
    d_update,
    d_size,
    d_keys,
    d_values,
    d_items,
    d_clear,
    d_fetch_add,
    d_cas,
    ns_repr,
    // list
    l_append = 40,
    l_extend,
    l_insert,
    l_pop,
    l_remove,
    l_index,
    l_count,
    l_size,
    l_get,
    l_set,
    l_slice,
    l_set_slice,
    l_sort,
    l_copy,
    l_clear,
    l_reverse,
    // any object: a round trip that only reports an earlier one-way failure
    sync = 90,
};

struct Op {
    std::uint64_t object = 0;
    std::uint8_t code = 0;
    std::vector<std::string> args;  // each one packed value
    std::int32_t pid = 0;           // the calling thread, to whom a one-way failure is owed
    std::int64_t tid = 0;
    MSGPACK_DEFINE(object, code, args, pid, tid)
};
/// An operation's answer: a count or flag in `n`, values (packed) in `v`.
struct Out {
    std::int64_t n = 0;
    std::vector<std::string> v;
    MSGPACK_DEFINE(n, v)
};

struct Call {  // request → Out
    static constexpr std::string_view mpact_name = "manager.Call";
    Op op;
    MSGPACK_DEFINE(op)
};
struct Post {  // one-way; a failure is kept for the next Call of the same thread
    static constexpr std::string_view mpact_name = "manager.Post";
    Op op;
    MSGPACK_DEFINE(op)
};
struct Batch {  // request → std::vector<Out>; runs in order, stops at the first error
    static constexpr std::string_view mpact_name = "manager.Batch";
    std::vector<Op> ops;
    std::int32_t pid = 0;
    std::int64_t tid = 0;
    MSGPACK_DEFINE(ops, pid, tid)
};
struct Create {  // request → object id
    static constexpr std::string_view mpact_name = "manager.Create";
    std::uint8_t kind = 0;
    std::vector<std::string> init;  // dict: key, value, key, value...; list: elements
    MSGPACK_DEFINE(kind, init)
};
struct Stats {  // request → ManagerStats
    static constexpr std::string_view mpact_name = "manager.Stats";
    MSGPACK_DEFINE()
};
struct Host {  // request → the hosted primitive's packed wire form
    static constexpr std::string_view mpact_name = "manager.Host";
    std::string
        kind;  // "Lock", "RLock", "Event", "Semaphore", "BoundedSemaphore", "Condition", "Barrier"
    std::int64_t n = 0;
    MSGPACK_DEFINE(kind, n)
};
struct CreateRegistered {  // request → ActorRef of a new actor of a registered type
    static constexpr std::string_view mpact_name = "manager.CreateRegistered";
    std::string type;
    MSGPACK_DEFINE(type)
};

/// Fills in the calling thread (pid, kernel tid).
void stamp(Op& op) noexcept;

/// The address of one manager object: cheap to copy, travels as (manager, id).
class Core {
  public:
    Core() = default;
    Core(ActorRef manager, std::uint64_t id) : manager_(std::move(manager)), id_(id) {}
    [[nodiscard]] const ActorRef& manager() const noexcept { return manager_; }
    [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
    [[nodiscard]] bool valid() const noexcept { return manager_.valid(); }
    friend bool operator==(const Core&, const Core&) = default;

    /// One round trip. Raises the manager's error as its type (KeyError, IndexError...),
    /// ActorDownError once the manager's process has ended, TimeoutError after 30 s.
    Out call(Code code, std::vector<std::string> args = {}) const;
    /// One-way: nothing waits; a failure is raised by this thread's next call().
    void post(Code code, std::vector<std::string> args) const;
    [[nodiscard]] Op op(Code code, std::vector<std::string> args) const;

    MSGPACK_DEFINE(manager_, id_)

  private:
    ActorRef manager_;
    std::uint64_t id_ = 0;
};

/// Unpacks a reply value as T; ProtocolError if it is not one.
template <class T>
T value(const std::string& bytes) {
    return unpack<T>(bytes);
}

}  // namespace mpact::detail::mgr
