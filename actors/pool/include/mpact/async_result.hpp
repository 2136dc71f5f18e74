#pragma once
/// mpact::AsyncResult<T>: the result of Pool::apply_async / map_async, and
/// mpact::IMapIterator<T>: the lazy sequence of Pool::imap / imap_unordered.
///
///     auto r = pool.apply_async(square, 7);
///     r.wait(1s);  if (r.ready() && r.successful()) int v = r.get();
///     for (int v : pool.imap(square, xs)) use(v);        // or it.next(1s) with a timeout
///
/// Python: multiprocessing.pool.AsyncResult / IMapIterator.
/// Timeout: get(timeout) and next(timeout) throw TimeoutError. Throws: the task's error —
/// mpact's own types as themselves, any other exception as RemoteError (type, message,
/// stack); WorkerLostError when the task's worker died more than `retries` times.
/// Thread-safety: any thread may wait on or read a result.
#include <mpact/codec.hpp>
#include <mpact/errors.hpp>
#include <mpact/time.hpp>

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
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace mpact {

namespace detail {

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
    std::shared_ptr<ResultThread> thread_;
};

/// Decodes every value of a ready batch, in order.
template <class R>
std::vector<R> decode_all(const BatchState& state) {
    std::vector<R> out;
    out.reserve(state.size());
    for (const auto& [first, chunk] : state.chunks) {
        auto handle = unpack_bounded(chunk.values, DecodeLimits{});
        const auto& array = handle.get();
        if (array.type != msgpack::type::ARRAY || array.via.array.size != chunk.count) {
            throw ProtocolError("Pool: a chunk of results is malformed");
        }
        for (std::uint32_t i = 0; i < chunk.count; ++i) {
            try {
                R value;
                if constexpr (!std::is_same_v<R, std::monostate>) {  // a void task's nil
                    array.via.array.ptr[i].convert(value);
                }
                out.push_back(std::move(value));
            } catch (const msgpack::type_error&) {
                throw ProtocolError("Pool: a task's result does not decode as the expected type");
            }
        }
    }
    return out;
}

/// Results handed out one by one, in submission order or completion order.
class StreamState : public ResultSink {
  public:
    StreamState(std::size_t n, bool ordered) : total_(n), ordered_(ordered) {}
    void deliver(ChunkResult result) override;
    void fail(std::size_t first, std::uint32_t count, TaskError error) override;
    /// The next packed result; std::nullopt after the last; TaskError raised in place.
    std::optional<std::string> next(MaybeDeadline deadline);

  private:
    struct Outcome {
        bool ok = true;
        std::string value;
        TaskError error;
    };
    void push_locked(std::size_t index, Outcome outcome);
    std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t total_, consumed_ = 0, next_index_ = 0;
    bool ordered_;
    std::map<std::size_t, Outcome> early_;
    std::deque<Outcome> ready_;
};

}  // namespace detail

/// The result of an asynchronous pool call; copyable handle.
template <class T>
class AsyncResult {
  public:
    using Decode = std::function<T(const detail::BatchState&)>;
    AsyncResult(std::shared_ptr<detail::BatchState> state, Decode decode)
        : state_(std::move(state)), decode_(std::move(decode)) {}

    /// The value, waiting as long as it takes; throws the task's error.
    T get() {
        state_->wait(std::nullopt);
        return value();
    }
    /// The value; TimeoutError if not ready within `timeout`.
    T get(Duration timeout) {
        if (!state_->wait(deadline_after(timeout))) {
            throw TimeoutError("AsyncResult::get: the result was not ready within the timeout");
        }
        return value();
    }
    /// Waits until ready.
    void wait() { state_->wait(std::nullopt); }
    /// Waits at most `timeout`; returns ready().
    bool wait(Duration timeout) { return state_->wait(deadline_after(timeout)); }
    /// True once the call has completed (successfully or not).
    [[nodiscard]] bool ready() const { return state_->ready(); }
    /// True if it completed without error; ValueError if not ready yet.
    [[nodiscard]] bool successful() const {
        if (!state_->ready()) throw ValueError("AsyncResult::successful: result is not ready");
        return !state_->error.has_value();
    }

  private:
    T value() {
        if (state_->error) state_->error->raise();
        return decode_(*state_);
    }
    std::shared_ptr<detail::BatchState> state_;
    Decode decode_;
};

/// The lazy results of imap / imap_unordered; iterate with next() or a range-for (which
/// waits as long as it takes and throws a task's error where it occurs).
template <class T>
class IMapIterator {
  public:
    struct Sentinel {};
    class Iterator {
      public:
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        explicit Iterator(IMapIterator* owner) : owner_(owner), current_(owner->next()) {}
        const T& operator*() const { return *current_; }
        Iterator& operator++() {
            current_ = owner_->next();
            return *this;
        }
        void operator++(int) { ++*this; }
        friend bool operator==(const Iterator& it, Sentinel) { return !it.current_.has_value(); }

      private:
        IMapIterator* owner_;
        std::optional<T> current_;
    };
    Iterator begin() { return Iterator(this); }
    Sentinel end() { return {}; }

    explicit IMapIterator(std::shared_ptr<detail::StreamState> state) : state_(std::move(state)) {}
    /// The next result (std::nullopt after the last); throws that task's error.
    std::optional<T> next() { return decode(state_->next(std::nullopt)); }
    /// As next(), but TimeoutError if the next result is not ready within `timeout`.
    std::optional<T> next(Duration timeout) {
        return decode(state_->next(deadline_after(timeout)));
    }

  private:
    static std::optional<T> decode(std::optional<std::string> packed) {
        if (!packed) return std::nullopt;
        if constexpr (std::is_same_v<T, std::monostate>) {
            return T{};  // a void task's nil
        } else {
            return unpack<T>(*packed);
        }
    }
    std::shared_ptr<detail::StreamState> state_;
};

}  // namespace mpact
