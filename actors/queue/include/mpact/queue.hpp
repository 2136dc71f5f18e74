#pragma once
/// mpact::Queue, JoinableQueue and SimpleQueue: a FIFO shared by processes, held by a broker
/// actor in the process that created it and reached only by messages.
///
///     void worker(mpact::Queue<std::string> q) { q.put("hello from " + std::to_string(getpid()));
///     } MPACT_TASK(worker); mpact::Queue<std::string> q;                  // q = Queue()
///     mpact::Process p{worker, q};                  // Process(target=worker, args=(q,))
///     p.start();
///     std::string s = q.get(5s);                    // q.get(timeout=5)
///     p.join();
///
/// Handles are cheap copies of one queue; pass them to children as Process arguments. The
/// queue lives while a handle to it exists in the creating process.
/// put() on an unbounded queue does not wait for the queue: items are buffered in the calling
/// process and sent in batches (Python's feeder thread), and delivered before the process
/// exits unless cancel_join_thread() was called; only a process with 4 MiB of puts still on
/// their way waits for the batch ahead to leave. A bounded queue's put() is buffered the same
/// way while its process holds credits (room the broker reserved for it, granted in batches);
/// it waits for room, and raises Full, only when it has none left.
/// get() may take several items from the broker at once and hand them out one by one; items
/// it holds go back to the queue if this process exits (or its process dies) first.
/// Throws: Empty / Full (timeouts, nowait forms), ValueError (use after close(), task_done()
/// too often), ActorDownError (the creating process has ended), ProtocolError (an item that
/// does not decode as T; the item is consumed, the queue goes on).
/// Thread-safety: any thread may use any handle at any time.
#include <mpact/actor_ref.hpp>
#include <mpact/codec.hpp>
#include <mpact/queue_item.hpp>
#include <mpact/time.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mpact {

namespace detail {
struct QueueClient;
/// The untyped handle under every queue type: the broker's address and the queue's kind.
class QueueHandle {
  public:
    QueueHandle() = default;
    /// Starts a broker in this process.
    QueueHandle(std::size_t maxsize, bool joinable);
    QueueHandle(const QueueHandle& other);
    QueueHandle& operator=(const QueueHandle& other);

    void put(std::string_view packed, std::optional<Duration> timeout, bool block) const;
    /// Hands the next item as it travels (decode_item) to `take`; false when none came.
    bool get(std::optional<Duration> timeout, bool block,
             const std::function<void(std::string_view)>& take) const;
    [[nodiscard]] std::size_t qsize() const;
    [[nodiscard]] std::size_t maxsize() const noexcept { return maxsize_; }
    void close() const;
    bool join_thread(std::optional<Duration> timeout) const;
    void cancel_join_thread() const;
    void task_done() const;
    bool join(std::optional<Duration> timeout) const;
    [[nodiscard]] const ActorRef& broker() const noexcept { return broker_; }

    MSGPACK_DEFINE(broker_, maxsize_, joinable_)

  private:
    QueueClient& client() const;

    ActorRef broker_;
    std::uint64_t maxsize_ = 0;
    bool joinable_ = false;
    std::shared_ptr<void> owner_;  // creating process only: see detail::own_actor
    mutable std::atomic<QueueClient*> client_{nullptr};  // owned by this process's registry
};

template <class T>
T unpack_item(const QueueHandle& h, std::optional<Duration> timeout, bool block) {
    std::optional<T> out;
    bool got =
        h.get(timeout, block, [&](std::string_view bytes) { out.emplace(decode_item<T>(bytes)); });
    if (!got) throw Empty(block ? "get() timed out: the queue stayed empty" : "the queue is empty");
    return std::move(*out);
}
}  // namespace detail

/// A multi-producer, multi-consumer FIFO across processes. Python: multiprocessing.Queue.
template <class T>
class Queue {
  public:
    /// A new queue (its broker starts in this process); maxsize 0 means unbounded.
    explicit Queue(std::size_t maxsize = 0) : h_(maxsize, false) {}

    /// Adds `item`; on a bounded queue waits for room. Python: put(item).
    void put(const T& item) const { h_.put(detail::pack_item(item), std::nullopt, true); }
    /// As put(item), raising Full if no room came within `timeout`. Python: put(item, timeout=t).
    void put(const T& item, Duration timeout) const {
        h_.put(detail::pack_item(item), timeout, true);
    }
    /// Adds `item` or raises Full at once. Python: put_nowait(item).
    void put_nowait(const T& item) const { h_.put(detail::pack_item(item), std::nullopt, false); }

    /// Removes and returns the next item, waiting for one. Python: get().
    [[nodiscard]] T get() const { return detail::unpack_item<T>(h_, std::nullopt, true); }
    /// As get(), raising Empty after `timeout`. Python: get(timeout=t).
    [[nodiscard]] T get(Duration timeout) const {
        return detail::unpack_item<T>(h_, timeout, true);
    }
    /// The next item, or Empty at once. Python: get_nowait().
    [[nodiscard]] T get_nowait() const { return detail::unpack_item<T>(h_, std::nullopt, false); }
    /// The next item within `timeout` (zero: only if one is there), else std::nullopt.
    [[nodiscard]] std::optional<T> try_get(Duration timeout = Duration::zero()) const {
        std::optional<T> out;
        h_.get(timeout, timeout > Duration::zero(),
               [&](std::string_view b) { out.emplace(detail::decode_item<T>(b)); });
        return out;
    }

    /// Items waiting (approximate, as in Python, while other processes put and get); room
    /// reserved for producers' unspent credits is not counted.
    [[nodiscard]] std::size_t qsize() const { return h_.qsize(); }
    [[nodiscard]] bool empty() const { return qsize() == 0; }
    [[nodiscard]] bool full() const { return h_.maxsize() > 0 && qsize() >= h_.maxsize(); }
    /// This process will put and get no more; buffered puts are still delivered.
    void close() const { h_.close(); }
    /// Waits until this process's buffered puts are delivered (after close(); before it, a
    /// ValueError, as in Python). Throws what failed them (ActorDownError when the queue's
    /// process is gone) if some were never acknowledged.
    void join_thread() const { static_cast<void>(h_.join_thread(std::nullopt)); }
    /// As join_thread(); false if `timeout` passed first (the broker has not acknowledged
    /// them: it is busy, or its process is stopped), or if some puts were never
    /// acknowledged (the queue's process is gone).
    [[nodiscard]] bool join_thread(Duration timeout) const { return h_.join_thread(timeout); }
    /// This process's exit will not wait for its buffered puts (they may be lost).
    void cancel_join_thread() const { h_.cancel_join_thread(); }

    /// The untyped handle (for adaptors and tools).
    [[nodiscard]] const detail::QueueHandle& handle() const noexcept { return h_; }
    /// Rebuilds a queue handle from the wire (no new queue is created).
    static Queue from_handle(detail::QueueHandle h) { return Queue(std::move(h)); }

  protected:
    explicit Queue(detail::QueueHandle h) : h_(std::move(h)) {}
    Queue(std::size_t maxsize, bool joinable) : h_(maxsize, joinable) {}
    detail::QueueHandle h_;
};

/// A Queue whose consumers confirm each item. Python: multiprocessing.JoinableQueue.
template <class T>
class JoinableQueue : public Queue<T> {
  public:
    explicit JoinableQueue(std::size_t maxsize = 0) : Queue<T>(maxsize, true) {}
    /// One item taken with get() is processed. ValueError if called more times than items
    /// were put. Python: task_done().
    void task_done() const { this->h_.task_done(); }
    /// Waits until every item put has been marked done. Python: join().
    void join() const { this->h_.join(std::nullopt); }
    /// As join(); false if `timeout` passed first (it bounds the delivery of this process's
    /// own puts as well as the wait for task_done()).
    [[nodiscard]] bool join(Duration timeout) const { return this->h_.join(timeout); }
    static JoinableQueue from_handle(detail::QueueHandle h) { return JoinableQueue(std::move(h)); }

  private:
    explicit JoinableQueue(detail::QueueHandle h) : Queue<T>(std::move(h)) {}
};

/// A plain unbounded queue: put, get, empty, close. Python: multiprocessing.SimpleQueue.
template <class T>
class SimpleQueue {
  public:
    SimpleQueue() : q_() {}
    void put(const T& item) const { q_.put(item); }
    [[nodiscard]] T get() const { return q_.get(); }
    /// As get(), but Empty if nothing came within `timeout` (Python's SimpleQueue has none).
    [[nodiscard]] T get(Duration timeout) const { return q_.get(timeout); }
    [[nodiscard]] bool empty() const { return q_.empty(); }
    void close() const { q_.close(); }
    [[nodiscard]] const detail::QueueHandle& handle() const noexcept { return q_.handle(); }
    static SimpleQueue from_handle(detail::QueueHandle h) { return SimpleQueue(std::move(h)); }

  private:
    explicit SimpleQueue(detail::QueueHandle h) : q_(Queue<T>::from_handle(std::move(h))) {}
    Queue<T> q_;
};

}  // namespace mpact

/// Queues travel as their handle; unpacking rebuilds a handle, never a new queue.
namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
    namespace adaptor {
#define MPACT_QUEUE_ADAPTOR(Q)                                                       \
    template <class T>                                                               \
    struct as<Q<T>> {                                                                \
        Q<T> operator()(const msgpack::object& o) const {                            \
            return Q<T>::from_handle(o.as<mpact::detail::QueueHandle>());            \
        }                                                                            \
    };                                                                               \
    template <class T>                                                               \
    struct convert<Q<T>> {                                                           \
        const msgpack::object& operator()(const msgpack::object& o, Q<T>& v) const { \
            v = Q<T>::from_handle(o.as<mpact::detail::QueueHandle>());               \
            return o;                                                                \
        }                                                                            \
    };                                                                               \
    template <class T>                                                               \
    struct pack<Q<T>> {                                                              \
        template <class Stream>                                                      \
        packer<Stream>& operator()(packer<Stream>& p, const Q<T>& v) const {         \
            return p.pack(v.handle());                                               \
        }                                                                            \
    };
    MPACT_QUEUE_ADAPTOR(mpact::Queue)
    MPACT_QUEUE_ADAPTOR(mpact::JoinableQueue)
    MPACT_QUEUE_ADAPTOR(mpact::SimpleQueue)
#undef MPACT_QUEUE_ADAPTOR
    }  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS)
}  // namespace msgpack
