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

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace mpact {

namespace detail {

// The shared states behind the results live in the pool's engine (actors/pool/
// result_states.hpp); these calls are all a result handle needs of them.
class BatchState;
class Stream;
class ResultSink;
/// The sink a submission feeds.
[[nodiscard]] std::shared_ptr<ResultSink> sink_of(const std::shared_ptr<BatchState>& state);
/// True once ready; waits until `deadline` (forever if none).
bool batch_wait(BatchState& state, MaybeDeadline deadline);
[[nodiscard]] bool batch_ready(BatchState& state);
/// Valid once ready: whether a task failed, and that failure raised as its typed error.
[[nodiscard]] bool batch_failed(const BatchState& state);
/// Asks the pool to cancel the batch's unfinished tasks; true if any was cancelled.
bool batch_cancel(BatchState& state);
/// As batch_cancel, only while none of its tasks is in a worker's hands (else false).
bool batch_cancel_pending(BatchState& state);
/// Best effort: true if not ready and one of its tasks is in a worker's hands.
[[nodiscard]] bool batch_dispatched(BatchState& state);
/// Valid once ready: whether it ended by a cancel.
[[nodiscard]] bool batch_cancelled(const BatchState& state);
[[noreturn]] void batch_raise(const BatchState& state);
[[nodiscard]] std::size_t batch_size(const BatchState& state);
/// Valid once ready without a failure: calls `each` with every value, in order.
void batch_values(const BatchState& state, const std::function<void(const msgpack::object&)>& each);
/// Runs `fn` on the pool's result thread once the batch is ready (set before submission).
void batch_on_ready(BatchState& state, std::function<void(BatchState&)> fn);
/// The next packed result of an imap (its input read here, on the caller's thread, as the
/// window frees up); std::nullopt after the last; a task's or the input's error raised in
/// place; TimeoutError past `deadline`.
std::optional<std::string> stream_next(Stream& stream, MaybeDeadline deadline);

/// Decodes every value of a ready batch, in order (std::monostate for a void task's nil).
template <class R>
std::vector<R> decode_all(const BatchState& state) {
    std::vector<R> out;
    out.reserve(batch_size(state));
    batch_values(state, [&out](const msgpack::object& value) {
        R decoded;
        if constexpr (!std::is_same_v<R, std::monostate>) {
            try {
                value.convert(decoded);
            } catch (const msgpack::type_error&) {
                throw ProtocolError("Pool: a task's result does not decode as the expected type");
            }
        }
        out.push_back(std::move(decoded));
    });
    return out;
}

/// The end of a range-for over an object with next().
struct NextSentinel {};
/// The input iterator of a range-for over `Owner`, whose next() gives std::optional<T>
/// (std::nullopt at the end): IMapIterator, AsCompleted, ExecutorMapIterator.
template <class Owner, class T>
class NextIterator {
  public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    explicit NextIterator(Owner* owner) : owner_(owner), current_(owner->next()) {}
    T& operator*() { return *current_; }
    const T& operator*() const { return *current_; }
    NextIterator& operator++() {
        current_ = owner_->next();
        return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const NextIterator& it, NextSentinel) {
        return !it.current_.has_value();
    }

  private:
    Owner* owner_;
    std::optional<T> current_;
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
        detail::batch_wait(*state_, std::nullopt);
        return value();
    }
    /// The value; TimeoutError if not ready within `timeout`.
    T get(Duration timeout) {
        if (!detail::batch_wait(*state_, deadline_after(timeout))) {
            throw TimeoutError("AsyncResult::get: the result was not ready within the timeout");
        }
        return value();
    }
    /// Waits until ready.
    void wait() { detail::batch_wait(*state_, std::nullopt); }
    /// Waits at most `timeout`; returns ready().
    bool wait(Duration timeout) { return detail::batch_wait(*state_, deadline_after(timeout)); }
    /// True once the call has completed (successfully or not).
    [[nodiscard]] bool ready() const { return detail::batch_ready(*state_); }
    /// Cancels the call's unfinished tasks (every one of a map_async): a task not yet given
    /// to a worker is dropped; a running one has its worker killed and replaced (never
    /// counted toward the restart intensity); a task already sent to a worker behind a
    /// running one still runs there, its result dropped. get() then raises CancelledError.
    /// Returns true if any task was cancelled, false if it had already completed. Bounded
    /// (waits at most 10 s for the pool's actor, then false). Python:
    /// concurrent.futures.Future.cancel, which cannot stop a running task.
    bool cancel() { return detail::batch_cancel(*state_); }
    /// True if it completed without error; ValueError if not ready yet.
    [[nodiscard]] bool successful() const {
        if (!detail::batch_ready(*state_)) {
            throw ValueError("AsyncResult::successful: result is not ready");
        }
        return !detail::batch_failed(*state_);
    }

  private:
    T value() {
        if (detail::batch_failed(*state_)) detail::batch_raise(*state_);
        return decode_(*state_);
    }
    std::shared_ptr<detail::BatchState> state_;
    Decode decode_;
};

/// The lazy results of imap / imap_unordered; iterate with next() or a range-for (which
/// waits as long as it takes and throws a task's error where it occurs). next() reads the
/// call's input, on the thread that calls it (calls from several threads take turns), just
/// enough to keep the pool's window (MapOptions::buffersize) full. Dropping the last copy
/// before the end stops the call: its input is not read further and its chunks not yet
/// started are dropped (those running finish, their results discarded).
template <class T>
class IMapIterator {
  public:
    using Iterator = detail::NextIterator<IMapIterator, T>;
    Iterator begin() { return Iterator(this); }
    detail::NextSentinel end() { return {}; }

    explicit IMapIterator(std::shared_ptr<detail::Stream> stream) : stream_(std::move(stream)) {}
    /// The next result (std::nullopt after the last); throws that task's error, or what the
    /// input threw, at its place (then the results end).
    std::optional<T> next() { return decode(detail::stream_next(*stream_, std::nullopt)); }
    /// As next(), but TimeoutError if the next result is not ready within `timeout`.
    std::optional<T> next(Duration timeout) {
        return decode(detail::stream_next(*stream_, deadline_after(timeout)));
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
    std::shared_ptr<detail::Stream> stream_;
};

}  // namespace mpact
