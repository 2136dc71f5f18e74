#pragma once
// The engine of an imap: reads the caller's input a chunk at a time, on the caller's thread
// (in imap and in the iterator's next(), never on the pool's threads: a user's range need not
// be thread-safe), keeping at most `window` tasks submitted and not yet taken by next().
// Python 3.14's Executor.map(buffersize=): the window advances as the consumer takes results.
#include <mpact/pool.hpp>

#include "pool_actor.hpp"
#include "result_states.hpp"

#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace mpact::detail {

class Stream {
  public:
    struct Window {
        std::size_t chunksize = 1;
        std::size_t tasks = 64;  // at most this many submitted, not yet taken (>= chunksize)
    };
    /// Takes over the hold the caller put on `core` (one count of core->open_streams).
    Stream(std::shared_ptr<PoolCore> core, std::shared_ptr<const std::string> task,
           std::unique_ptr<ChunkSource> source, Window window, std::optional<Duration> timeout,
           bool ordered);
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    /// Before the end: the input is not read further, the queued chunks are dropped. Never
    /// blocks.
    ~Stream();
    /// Reads and submits the input while the window has room (in batches of about an eighth
    /// of it, one hop to the pool's actor each). Throws nothing: what the input throws is
    /// kept for its place.
    void refill();
    /// The next packed result; std::nullopt after the last. Raises a task's error, or the
    /// input's, at its place; TimeoutError past `deadline` (nothing taken).
    std::optional<std::string> next(MaybeDeadline deadline);

  private:
    /// No more submissions from this stream: the pool may wind down without it.
    void release();

    std::mutex mutex_;  // next() from several threads takes turns
    std::shared_ptr<PoolCore> core_;
    std::shared_ptr<const std::string> task_;
    std::unique_ptr<ChunkSource> source_;
    Window window_;
    std::optional<Duration> timeout_;
    std::shared_ptr<StreamState> state_;
    std::size_t submitted_ = 0, taken_ = 0;
    bool ended_ = false;        // the input is not read any more
    bool holding_ = true;       // counted in core_->open_streams
    std::exception_ptr error_;  // the input's (or the pool's end), raised after the rest
};

}  // namespace mpact::detail
