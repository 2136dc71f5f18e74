#pragma once
// TailFlusher: sends the tail of a burst of one-way messages that its sending thread left in
// a link's batch (the thread may now be blocked on something else entirely). Links register
// when they start a batch; a timer on the node's I/O thread flushes every registered batch
// within a bounded time (Link::kMaxHold, plus timer slack). The I/O thread uses the owner
// thread's socket under the link's mutex, which is also the memory fence ZeroMQ asks for
// when a socket changes threads.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <mutex>
#include <vector>

namespace mpact::detail {

struct Link;

class TailFlusher {
  public:
    explicit TailFlusher(boost::asio::io_context& io);
    TailFlusher(const TailFlusher&) = delete;
    TailFlusher& operator=(const TailFlusher&) = delete;

    // Flushes `link`'s batch soon unless its owner does it first. Any thread.
    void watch(std::weak_ptr<Link> link);
    // Flushes every registered batch now, waiting for links in use (at exit and node
    // shutdown); the links stay registered for what the timer still has to write.
    void flush_all() noexcept;
    // Stops the timer (I/O thread, before the io_context stops).
    void cancel() noexcept;

  private:
    void arm();   // I/O thread
    void tick();  // I/O thread

    boost::asio::io_context& io_;
    boost::asio::steady_timer timer_;
    std::mutex mutex_;
    std::vector<std::weak_ptr<Link>> links_;
    bool armed_ = false;
    bool cancelled_ = false;
};

}  // namespace mpact::detail
