#pragma once
/// mpact::Future<R>: the result of ProcessPoolExecutor::submit, and the functions that wait
/// on several: mpact::as_completed(futures, timeout) and mpact::wait(futures, timeout,
/// return_when).
///
///     auto f = ex.submit(square, 7);
///     f.add_done_callback([](mpact::Future<int>& g) { log(g.result()); });
///     int v = f.result(1s);                       // TimeoutError if not done in 1 s
///     for (auto& g : mpact::as_completed(futures, 10s)) use(g.result());
///     auto [done, not_done] = mpact::wait(futures, 5s, mpact::ReturnWhen::first_completed);
///
/// Python: concurrent.futures.Future, as_completed, wait (FIRST_COMPLETED, FIRST_EXCEPTION,
/// ALL_COMPLETED). A Future is a cheap copyable handle on shared state; a void task gives a
/// Future<void>. Throws: result() raises the task's error with its type (mpact's own types
/// as themselves, any other exception as RemoteError), CancelledError once cancelled,
/// WorkerLostError when its worker died more than ExecutorOptions::retries times.
/// Thread-safety: any thread may wait on, query or cancel a Future.
#include <mpact/async_result.hpp>
#include <mpact/errors.hpp>
#include <mpact/time.hpp>

#include <concepts>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mpact {

namespace detail {
/// A Future's state, whatever its type: the pool's batch and the done callbacks.
class FutureCore {
  public:
    /// Ties the core to `batch`: its completion (on the pool's result thread) runs the
    /// callbacks. Call before the task is submitted.
    static std::shared_ptr<FutureCore> bind(BatchState& batch);
    explicit FutureCore(std::shared_ptr<BatchState> batch) : batch_(std::move(batch)) {}
    [[nodiscard]] BatchState& batch() const { return *batch_; }
    /// Runs `fn` once done: at once on this thread if done already, else later on the
    /// pool's result thread (`where_done`: on the thread that completes the batch, for a
    /// short non-blocking fn). What fn throws is swallowed (Python logs it).
    void on_done(std::function<void()> fn, bool where_done = false);
    /// True once the batch is ready and the core knows it.
    [[nodiscard]] bool finished();
    /// Valid once ready: failed, and not by a cancel (what FIRST_EXCEPTION waits for).
    [[nodiscard]] bool raised() const;

  private:
    void finish();
    std::shared_ptr<BatchState> batch_;
    std::mutex mutex_;
    bool done_ = false;
    std::vector<std::function<void()>> callbacks_;  // for the result thread
    std::vector<std::function<void()>> inline_;     // where the batch completes
};

/// Watches cores as they finish; the engine of as_completed and wait.
class CompletionWatch {
  public:
    explicit CompletionWatch(const std::vector<std::shared_ptr<FutureCore>>& cores);
    ~CompletionWatch();
    CompletionWatch(const CompletionWatch&) = delete;
    CompletionWatch& operator=(const CompletionWatch&) = delete;
    /// The index of the next core to finish, in completion order (those finished already
    /// first); std::nullopt past `deadline` or once every one was given.
    std::optional<std::size_t> next(MaybeDeadline deadline);
    [[nodiscard]] std::size_t left() const { return left_; }

  private:
    struct Shared;
    std::shared_ptr<Shared> shared_;
    std::size_t left_;
};
}  // namespace detail

/// The result of a task submitted to a ProcessPoolExecutor.
template <class R>
class Future {
  public:
    Future(std::shared_ptr<detail::FutureCore> core, AsyncResult<R> result)
        : core_(std::move(core)), result_(std::move(result)) {}

    /// The value, waiting as long as it takes; throws the task's error, CancelledError if
    /// cancelled.
    R result() { return result_.get(); }
    /// The value; TimeoutError if not done within `timeout`.
    R result(Duration timeout) {
        if (!detail::batch_wait(core_->batch(), deadline_after(timeout))) {
            throw TimeoutError("Future::result: the result was not ready within the timeout");
        }
        return result_.get();
    }
    /// The task's error (null if it succeeded), waiting as long as it takes; CancelledError
    /// if cancelled (as Python).
    std::exception_ptr exception() { return error_of(std::nullopt); }
    /// As exception(); TimeoutError if not done within `timeout`.
    std::exception_ptr exception(Duration timeout) { return error_of(deadline_after(timeout)); }
    /// True once it finished, failed or was cancelled.
    [[nodiscard]] bool done() const { return detail::batch_ready(core_->batch()); }
    /// True if cancel() succeeded.
    [[nodiscard]] bool cancelled() const {
        return done() && detail::batch_cancelled(core_->batch());
    }
    /// Best effort (a question to the pool's actor): true while its task is in a worker's
    /// hands — running, or sent to a worker behind the task it runs (Python, too, counts a
    /// task as running once it is in the call queue).
    [[nodiscard]] bool running() const { return detail::batch_dispatched(core_->batch()); }
    /// Python's cancel: succeeds only while the task is pending (not yet given to a
    /// worker): it is dropped and never runs; result() then raises CancelledError. Returns
    /// false for a running or finished task, true if already cancelled. It never stops a
    /// running task: AsyncResult::cancel (Pool::apply_async) has that power (its worker is
    /// killed). Bounded (at most 10 s for the pool's actor, then false).
    bool cancel() {
        if (cancelled()) return true;
        return detail::batch_cancel_pending(core_->batch());
    }
    /// Calls fn(future) once done: at once, on this thread, if it is done already, else on
    /// the pool's result thread (one thread for all of the pool's callbacks, in completion
    /// order: keep fn short). Called once; what fn throws is swallowed (Python logs it).
    template <class Fn>
    requires std::invocable<Fn&, Future&>
    void add_done_callback(Fn fn) {
        core_->on_done([self = *this, fn = std::move(fn)]() mutable { fn(self); });
    }

    /// The shared state (as_completed / wait use it).
    [[nodiscard]] const std::shared_ptr<detail::FutureCore>& core() const { return core_; }

  private:
    std::exception_ptr error_of(MaybeDeadline deadline) {
        if (!detail::batch_wait(core_->batch(), deadline)) {
            throw TimeoutError("Future::exception: not done within the timeout");
        }
        if (cancelled()) detail::batch_raise(core_->batch());
        if (!detail::batch_failed(core_->batch())) return nullptr;
        try {
            detail::batch_raise(core_->batch());
        } catch (...) {
            return std::current_exception();
        }
    }
    std::shared_ptr<detail::FutureCore> core_;
    AsyncResult<R> result_;
};

namespace detail {
/// `futures` without repeats (a future given twice is one future, as Python's set).
template <class R>
std::vector<Future<R>> distinct(const std::vector<Future<R>>& futures) {
    std::vector<Future<R>> out;
    for (const auto& f : futures) {
        bool seen = false;
        for (const auto& g : out) seen = seen || g.core() == f.core();
        if (!seen) out.push_back(f);
    }
    return out;
}
template <class R>
std::vector<std::shared_ptr<FutureCore>> cores_of(const std::vector<Future<R>>& futures) {
    std::vector<std::shared_ptr<FutureCore>> out;
    out.reserve(futures.size());
    for (const auto& f : futures) out.push_back(f.core());
    return out;
}
}  // namespace detail

/// The futures of as_completed, yielded as they finish; next() or a range-for.
template <class R>
class AsCompleted {
  public:
    AsCompleted(const std::vector<Future<R>>& futures, std::optional<Duration> timeout)
        : futures_(detail::distinct(futures)),
          watch_(std::make_unique<detail::CompletionWatch>(detail::cores_of(futures_))),
          deadline_(timeout ? MaybeDeadline(deadline_after(*timeout)) : std::nullopt) {}
    /// The next future to finish (std::nullopt after the last); TimeoutError once the
    /// timeout, counted from the as_completed call, has passed with some unfinished.
    std::optional<Future<R>> next() {
        if (watch_->left() == 0) return std::nullopt;
        auto index = watch_->next(deadline_);
        if (!index) {
            throw TimeoutError("as_completed: " + std::to_string(watch_->left()) + " (of " +
                               std::to_string(futures_.size()) + ") futures unfinished");
        }
        return futures_[*index];
    }
    using Iterator = detail::NextIterator<AsCompleted, Future<R>>;
    Iterator begin() { return Iterator(this); }
    detail::NextSentinel end() { return {}; }

  private:
    std::vector<Future<R>> futures_;
    std::unique_ptr<detail::CompletionWatch> watch_;
    MaybeDeadline deadline_;
};

/// Yields `futures` as they finish (those already done first); TimeoutError from the
/// iteration once `timeout` (from this call) passes with some unfinished. Python:
/// concurrent.futures.as_completed(fs, timeout). Duplicates are yielded once.
template <class R>
[[nodiscard]] AsCompleted<R> as_completed(const std::vector<Future<R>>& futures,
                                          std::optional<Duration> timeout = std::nullopt) {
    return AsCompleted<R>(futures, timeout);
}

/// When mpact::wait(futures, ...) returns. Python: concurrent.futures.FIRST_COMPLETED, ...
enum class ReturnWhen {
    all_completed,    ///< every future done (or the timeout)
    first_completed,  ///< any future done
    first_exception,  ///< any future failed (not by a cancel); else as all_completed
};

/// What mpact::wait(futures, ...) returns: Python's (done, not_done), each in input order.
template <class R>
struct DoneAndNotDone {
    std::vector<Future<R>> done;
    std::vector<Future<R>> not_done;
};

/// Waits until `return_when` holds or `timeout` passes (no timeout: as long as it takes);
/// never throws TimeoutError (not_done says what is left). Python:
/// concurrent.futures.wait(fs, timeout, return_when). An overload of mpact::wait: a Future
/// has no sentinel, so it is not Waitable and the two never compete.
template <class R>
[[nodiscard]] DoneAndNotDone<R> wait(const std::vector<Future<R>>& futures,
                                     std::optional<Duration> timeout = std::nullopt,
                                     ReturnWhen return_when = ReturnWhen::all_completed) {
    auto unique = detail::distinct(futures);
    detail::CompletionWatch watch(detail::cores_of(unique));
    const MaybeDeadline deadline = timeout ? MaybeDeadline(deadline_after(*timeout)) : std::nullopt;
    std::vector<bool> finished(unique.size(), false);
    while (watch.left() > 0) {
        auto index = watch.next(deadline);
        if (!index) break;  // the timeout
        finished[*index] = true;
        if (return_when == ReturnWhen::first_completed) break;
        if (return_when == ReturnWhen::first_exception && unique[*index].core()->raised()) break;
    }
    DoneAndNotDone<R> out;
    for (std::size_t i = 0; i < unique.size(); ++i) {
        (finished[i] ? out.done : out.not_done).push_back(unique[i]);
    }
    return out;
}

}  // namespace mpact
