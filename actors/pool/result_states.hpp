#pragma once
// The shared states behind AsyncResult and IMapIterator, fed by the pool actor on the I/O
// thread and read by the callers' threads. Private to the pool: the public handles reach
// them through the calls declared in <mpact/async_result.hpp>.
#include <mpact/async_result.hpp>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mpact::detail {

/// A task's failure as it crossed the wire.
struct TaskError {
    std::string kind, message, stack;
    [[noreturn]] void raise() const;
};

/// Runs callbacks one at a time, in order, on the pool's result thread.
class ResultThread;
void post_to(const std::shared_ptr<ResultThread>& thread, std::function<void()> fn);

/// The results of one chunk: `count` packed values end to end (nil where a task threw) and
/// the errors by offset.
struct ChunkResult {
    std::size_t first = 0;
    std::uint32_t count = 0;
    std::string values;
    std::vector<std::pair<std::uint32_t, TaskError>> errors;
};

/// The `count` elements of the msgpack array `blob`, each packed; ProtocolError otherwise.
std::vector<std::string> split_packed(std::string_view blob, std::size_t count);

/// Where the pool actor puts results (on its I/O thread; never blocks).
class ResultSink {
  public:
    virtual ~ResultSink() = default;
    virtual void deliver(ChunkResult result) = 0;
    virtual void fail(std::size_t first, std::uint32_t count, TaskError error) = 0;
};

/// n results gathered into one answer; ready when all arrived or at the first error.
class BatchState : public ResultSink, public std::enable_shared_from_this<BatchState> {
  public:
    BatchState(std::size_t n, std::shared_ptr<ResultThread> thread);
    void deliver(ChunkResult result) override;
    void fail(std::size_t first, std::uint32_t count, TaskError error) override;
    /// True once ready; waits until `deadline` (forever if none).
    bool wait(MaybeDeadline deadline);
    [[nodiscard]] bool ready();
    /// Set before submission; runs on the result thread when the batch is ready.
    std::function<void(BatchState&)> on_ready;
    /// Set before submission; runs where the batch becomes ready (the I/O thread, or a
    /// cancelling caller), at once: it must be short and never block (Future's core uses it
    /// to hop to the result thread only when a callback waits).
    std::function<void(BatchState&)> on_ready_inline;
    [[nodiscard]] const std::shared_ptr<ResultThread>& result_thread() const { return thread_; }
    /// Set at submission: asks the pool to cancel this batch (true if anything was; with
    /// `pending_only`, only if none of its tasks is in a worker's hands yet).
    std::function<bool(bool pending_only)> cancel;
    /// Set at submission: asks the pool whether one of its tasks is in a worker's hands.
    std::function<bool()> dispatched;
    /// Valid once ready: packed values by first index, in order.
    std::map<std::size_t, ChunkResult> chunks;
    std::optional<TaskError> error;
    std::size_t size() const { return size_; }

  private:
    void finish_locked(std::unique_lock<std::mutex>& lock);
    std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t size_, remaining_;
    bool ready_ = false;
    std::atomic<bool> done_{false};  // ready_, for a wait that spins without the lock
    std::shared_ptr<ResultThread> thread_;
};

/// Results handed out one by one, in submission order or completion order (the Stream
/// driving it knows how many to expect).
class StreamState : public ResultSink {
  public:
    explicit StreamState(bool ordered) : ordered_(ordered) {}
    void deliver(ChunkResult result) override;
    void fail(std::size_t first, std::uint32_t count, TaskError error) override;
    struct Outcome {
        bool ok = true;
        std::string value;  // packed, when ok
        TaskError error;
    };
    /// The next result; std::nullopt if none came by `deadline`.
    std::optional<Outcome> take(MaybeDeadline deadline);

  private:
    void push_locked(std::size_t index, Outcome outcome);
    std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t next_index_ = 0;
    bool ordered_;
    std::map<std::size_t, Outcome> early_;
    std::deque<Outcome> ready_;
};

}  // namespace mpact::detail
