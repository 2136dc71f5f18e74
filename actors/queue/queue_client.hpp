#pragma once
// QueueClient: one process's side of one queue, shared by every handle to that queue in the
// process. As a producer it buffers puts and keeps one batch in flight to the broker (the
// node's I/O thread sends it and, when it is acknowledged, the next one: Python's feeder
// thread without the thread). On a bounded queue each put spends a credit (room the broker
// reserved for this process); acknowledgements top the credits up, and only a put that finds
// none asks the broker and waits there for room. Credits left unspent go back when the
// process stops putting for a while, closes the queue or ends. As a consumer it holds the
// current lease of items taken from the broker and gives back what it did not use when the
// process ends.
#include <mpact/actor_ref.hpp>
#include <mpact/time.hpp>

#include "protocol.hpp"

#include <boost/asio/steady_timer.hpp>

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mpact::detail {

/// A TimedLockable mutex built from a mutex and a condition variable. std::timed_mutex's
/// timed lock is pthread_mutex_clocklock, which GCC 12's ThreadSanitizer does not intercept:
/// it then reports every unlock as the unlock of an unlocked mutex.
class TurnMutex {
  public:
    void lock() {
        std::unique_lock lock(mutex_);
        free_.wait(lock, [this] { return !held_; });
        held_ = true;
    }
    bool try_lock() {
        std::lock_guard lock(mutex_);
        return !std::exchange(held_, true);
    }
    template <class Rep, class Period>
    bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout) {
        return try_lock_until(std::chrono::steady_clock::now() + timeout);
    }
    template <class C, class D>
    bool try_lock_until(const std::chrono::time_point<C, D>& deadline) {
        std::unique_lock lock(mutex_);
        if (!free_.wait_until(lock, deadline, [this] { return !held_; })) return false;
        held_ = true;
        return true;
    }
    void unlock() {
        {
            std::lock_guard lock(mutex_);
            held_ = false;
        }
        free_.notify_one();
    }

  private:
    std::mutex mutex_;
    std::condition_variable free_;
    bool held_ = false;
};

struct QueueClient : std::enable_shared_from_this<QueueClient> {
    QueueClient(ActorRef broker, bool bounded);

    // The client of `broker` in this process, made on first use.
    static std::shared_ptr<QueueClient> of(const ActorRef& broker, bool bounded);

    void put(std::string_view packed, std::optional<Duration> timeout, bool block);
    bool get(std::optional<Duration> timeout, bool block,
             const std::function<void(std::string_view)>& take);
    // Items this process holds, taken from the broker but not yet returned by get().
    std::size_t held();
    // Waits until every buffered put is acknowledged; false if `deadline` passed first, or
    // if some puts of this process were never acknowledged (the broker refused them or its
    // process is gone).
    bool flush(std::optional<Deadline> deadline);
    // Throws what made puts fail (after flush() returned false without a deadline).
    void rethrow_failure();
    void close();
    void cancel_join() { cancel_join_ = true; }
    void check_open() const;
    // At process exit: deliver buffered puts (unless cancelled), give back unused items.
    void finish() noexcept;

  private:
    // Bounded queues: makes sure a credit is there to spend (mutex_ held through `lock`);
    // throws Full when none came by `deadline` (nullopt: forever; `block` false: at once).
    void take_credit(std::unique_lock<std::mutex>& lock, std::optional<Deadline> deadline,
                     bool block);
    // Credits unspent for a whole period go back to the broker (I/O thread).
    void arm_release_check();
    void release_check();
    void release_credits();  // mutex_ not held; sends from the I/O thread
    void send_batch();       // on the I/O thread
    void give_back(std::optional<Deadline> deadline);
    // Items held but not taken for a while go back (a consumer that stopped after its
    // sentinel must not sit on items other consumers wait for). I/O thread.
    void arm_idle_check();
    void idle_check();
    bool wait_returned(std::optional<Deadline> deadline);

    const ActorRef broker_;
    const bool bounded_;
    const pid_t pid_;

  public:
    const std::uint64_t generation;  // Node::generation() when made: stale in a forked child

  private:
    // Producer: buffered puts and the batch in flight.
    std::mutex mutex_;
    std::condition_variable flushed_;
    queue_protocol::Items buffer_;
    queue_protocol::Items spare_;  // I/O thread: the last batch's buffer, for reuse
    std::uint64_t accepted_ = 0;   // items put by this process
    std::uint64_t delivered_ = 0;  // of those, acknowledged by the broker (or failed)
    std::uint64_t lost_ = 0;       // of those, failed: never acknowledged
    std::uint64_t acks_ = 0;       // batch acknowledgements received (each may carry credits)
    std::uint64_t credits_ = 0;    // bounded: room reserved for this process, not yet spent
    bool sending_ = false;
    bool release_armed_ = false;                                // under mutex_
    std::uint64_t release_seen_ = 0;                            // under mutex_: accepted_ then
    std::unique_ptr<boost::asio::steady_timer> release_timer_;  // I/O thread
    std::exception_ptr failure_;                                // the broker refused or vanished
    std::atomic<bool> closed_{false};
    std::atomic<bool> cancel_join_{false};

    // Consumer: the current lease (getters of this process take turns).
    TurnMutex get_mutex_;
    std::uint64_t consumer_id_;
    std::uint64_t lease_ = 0;
    queue_protocol::Items held_;
    std::size_t next_ = 0, offset_ = 0;
    std::uint32_t prefetch_ = 1;
    Deadline batch_at_{};
    bool idle_armed_ = false;    // under get_mutex_
    bool returning_ = false;     // under mutex_: an idle give-back is on its way to the broker
    std::size_t idle_seen_ = 0;  // I/O thread
    std::unique_ptr<boost::asio::steady_timer> idle_timer_;  // I/O thread
};

}  // namespace mpact::detail
