#pragma once
/// mpact::Manager: a manager actor in a process of its own holding shared dicts, lists and
/// namespaces, and hosting Locks, Events and the other primitives so they outlive the
/// process that asked for them.
///
///     void child(mpact::Dict<std::string, int> d, mpact::List<int> l) {
///         d.set("1", 1); l.reverse();
///     }
///     MPACT_TASK(child);
///     mpact::Manager m;                            // with Manager() as manager:
///     auto d = m.dict<std::string, int>();         //     d = manager.dict()
///     auto l = m.list<int>({0, 1, 2});             //     l = manager.list(range(3))
///     mpact::Process p{child, d, l};               //     p = Process(target=f, args=(d, l))
///     p.start(); p.join();
///     d.copy();                                    // {'1': 1}
///
/// Python: multiprocessing.Manager() / SyncManager. Proxies (Dict, List, Namespace: see
/// their headers) are cheap copyable handles: pass them to a child Process under every start
/// method, to Pool tasks, or store one inside another (nested proxies share the object).
/// Objects live until the manager shuts down (Python frees one with its last proxy; here a
/// proxy is only an address). Each operation is one message, atomic in the manager; batch()
/// runs several in one message. Lifetime: the destructor calls shutdown(); the manager
/// process also ends within 1 s if this process dies (it is a child of it).
/// Throws (proxies): ActorDownError once the manager has shut down or its process died
/// (within 1 s, never a hang), TimeoutError after 30 s without an answer (a stopped
/// process), the manager's error as its type (KeyError, IndexError, ValueError...).
/// Bad input (an undecodable value, an unknown object or operation) is refused with
/// ProtocolError, counted in stats().refused, and the manager serves on.
/// Thread-safety: any thread may use a Manager's const members and any proxy at any time.
#include <mpact/barrier.hpp>
#include <mpact/detail/manager_wire.hpp>
#include <mpact/event.hpp>
#include <mpact/lock.hpp>
#include <mpact/manager_batch.hpp>
#include <mpact/manager_dict.hpp>
#include <mpact/manager_list.hpp>
#include <mpact/manager_namespace.hpp>
#include <mpact/manager_register.hpp>
#include <mpact/process.hpp>
#include <mpact/queue.hpp>
#include <mpact/semaphore.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mpact {

struct ManagerOptions {
    std::optional<StartMethod> start_method;              ///< default: get_start_method()
    Duration ready_timeout = std::chrono::seconds(30);    ///< ProcessError if not up by then
    Duration shutdown_timeout = std::chrono::seconds(1);  ///< then SIGKILL (Python: 1.0)
};

/// What the manager actor has seen (from its own process).
struct ManagerStats {
    std::uint64_t messages = 0;        ///< messages handled: each Call, Post, Batch... counts one
    std::uint64_t ops = 0;             ///< operations run (a batch of 5 counts 5)
    std::uint64_t refused = 0;         ///< operations refused as malformed (ProtocolError)
    std::uint64_t objects = 0;         ///< dicts, lists, namespaces and hosted primitives held
    std::uint64_t pending_errors = 0;  ///< one-way failures not yet reported
    std::uint64_t node_malformed = 0;  ///< the manager process's NodeStats::malformed
    std::uint64_t node_handler_errors = 0;  ///< ... and handler_errors (undecodable messages)
    MSGPACK_DEFINE(messages, ops, refused, objects, pending_errors, node_malformed,
                   node_handler_errors)
};

class Manager {
  public:
    /// Starts the manager process and waits until it answers. Python: Manager().
    Manager() : Manager(ManagerOptions{}) {}
    explicit Manager(ManagerOptions options);
    Manager(const Manager&) = delete;
    Manager& operator=(const Manager&) = delete;
    Manager(Manager&&) noexcept;
    Manager& operator=(Manager&&) noexcept;
    /// shutdown(), bounded by shutdown_timeout (+ a SIGKILL).
    ~Manager();

    /// Stops the manager and joins its process; idempotent. Proxies then raise
    /// ActorDownError. Python: shutdown().
    void shutdown();
    /// The manager actor's endpoint (an ipc:// path). Python: address.
    [[nodiscard]] std::string address() const { return ref_.endpoint(); }
    /// The manager actor itself.
    [[nodiscard]] const ActorRef& ref() const noexcept { return ref_; }
    /// The manager's process (its pid, exitcode; also after shutdown). Not on a moved-from
    /// Manager.
    [[nodiscard]] Process& process() noexcept { return *process_; }

    /// A new empty dict. Python: manager.dict().
    template <class K, class V>
    [[nodiscard]] Dict<K, V> dict(const std::map<K, V>& init = {}) const {
        std::vector<std::string> a;
        for (const auto& [k, v] : init) {
            a.push_back(pack(k));
            a.push_back(pack(v));
        }
        return Dict<K, V>(create(detail::mgr::Kind::dict, std::move(a)));
    }
    /// A new list. Python: manager.list(xs).
    template <class T>
    [[nodiscard]] List<T> list(const std::vector<T>& init = {}) const {
        std::vector<std::string> a;
        for (const auto& x : init) a.push_back(pack(x));
        return List<T>(create(detail::mgr::Kind::list, std::move(a)));
    }
    /// A new namespace. Python: manager.Namespace().
    [[nodiscard]] Namespace namespace_() const {
        return Namespace(create(detail::mgr::Kind::ns, {}));
    }
    /// Operations to send together in one message (see manager_batch.hpp).
    [[nodiscard]] Batch batch() const { return Batch(ref_); }

    /// Primitives hosted in the manager's process (made there through their public
    /// handles): they live until shutdown, whoever asked. Python: manager.Lock() ...
    [[nodiscard]] mpact::Lock Lock() const { return host<mpact::Lock>("Lock"); }
    [[nodiscard]] mpact::RLock RLock() const { return host<mpact::RLock>("RLock"); }
    [[nodiscard]] mpact::Event Event() const { return host<mpact::Event>("Event"); }
    [[nodiscard]] mpact::Semaphore Semaphore(std::int64_t value = 1) const {
        return host<mpact::Semaphore>("Semaphore", value);
    }
    [[nodiscard]] mpact::BoundedSemaphore BoundedSemaphore(std::int64_t value = 1) const {
        return host<mpact::BoundedSemaphore>("BoundedSemaphore", value);
    }
    /// A queue whose broker lives in the manager's process. Python: manager.Queue(maxsize).
    template <class T>
    [[nodiscard]] mpact::Queue<T> Queue(std::size_t maxsize = 0) const {
        return host<mpact::Queue<T>>("Queue", static_cast<std::int64_t>(maxsize));
    }
    template <class T>
    [[nodiscard]] mpact::JoinableQueue<T> JoinableQueue(std::size_t maxsize = 0) const {
        return host<mpact::JoinableQueue<T>>("JoinableQueue", static_cast<std::int64_t>(maxsize));
    }
    [[nodiscard]] mpact::Barrier Barrier(int parties) const {
        return host<mpact::Barrier>("Barrier", parties);
    }

    /// A new actor of a type registered with MPACT_MANAGED, living in the manager's
    /// process. Python: manager.Foo() after BaseManager.register('Foo', Foo).
    template <class T>
    [[nodiscard]] Managed<T> create() const {
        return Managed<T>(create_ref(std::string(type_name<T>())));
    }

    /// The manager actor's counters.
    [[nodiscard]] ManagerStats stats() const;

  private:
    [[nodiscard]] detail::mgr::Core create(detail::mgr::Kind kind,
                                           std::vector<std::string> init) const;
    [[nodiscard]] ActorRef create_ref(const std::string& type) const;
    [[nodiscard]] std::string host_bytes(const std::string& kind, std::int64_t n) const;
    template <class P>
    P host(const std::string& kind, std::int64_t n = 0) const {
        return unpack<P>(host_bytes(kind, n));
    }

    ManagerOptions options_;
    ActorRef ref_;
    std::unique_ptr<mpact::Process> process_;
    bool stopped_ = false;
};

}  // namespace mpact
