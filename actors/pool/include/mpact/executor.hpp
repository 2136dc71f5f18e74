#pragma once
/// mpact::ProcessPoolExecutor: Python's concurrent.futures.ProcessPoolExecutor, built on an
/// mpact::Pool (its workers, supervision, retries and lazy imap).
///
///     int square(int x) { return x * x; }
///     MPACT_TASK(square);
///     mpact::ProcessPoolExecutor ex{{.max_workers = 4}};
///     mpact::Future<int> f = ex.submit(square, 7);          // f.result(1s) == 49
///     for (int v : ex.map(square, std::views::iota(0, 100), {.timeout = 10s})) use(v);
///     ex.shutdown({.wait = true, .cancel_futures = false});  // or let the destructor do it
///
/// Python: concurrent.futures.ProcessPoolExecutor. Tasks are MPACT_TASK-registered functions,
/// their argument types checked at compile time, as Pool::apply_async's.
/// Departure: where Python's executor breaks for good after one dead worker (every pending
/// future fails with BrokenProcessPool and submit raises it from then on), this one keeps
/// serving: the Pool replaces the worker within 1 s, the task that was running is retried
/// ExecutorOptions::retries times and then fails alone with WorkerLostError; every other
/// future is untouched and submit goes on working.
/// Lifetime: the destructor is shutdown(wait = true), bounded by
/// ExecutorOptions::drain_timeout (then the workers are terminated and the futures left
/// fail). Throws: ValueError (Python: RuntimeError) from submit / map after shutdown.
/// Thread-safety: submit and map from any thread; shutdown from one.
#include <mpact/future.hpp>
#include <mpact/pool.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <utility>
#include <vector>

namespace mpact {

/// Executor options; designated initialisers are Python's keyword arguments.
struct ExecutorOptions {
    int max_workers = 0;                      ///< 0: cpu_count()
    std::optional<TaskCall> initializer;      ///< initializer + initargs: bind_task(init, x)
    int max_tasks_per_child = 0;              ///< 0: workers live as long as the executor
    std::optional<StartMethod> start_method;  ///< Python's mp_context
    int retries = 0;  ///< beyond Python: re-runs of a task whose worker died
    /// The destructor's bound on waiting for the submitted work (Python waits forever).
    Duration drain_timeout = std::chrono::seconds(60);
};

/// Options of ProcessPoolExecutor::map. `timeout` is for the whole iteration, counted from
/// the map call (Python's): once it has passed, next() throws TimeoutError for a result not
/// already there. chunksize: items per task message (Python's default 1). buffersize: at
/// most this many tasks submitted ahead of the iterator (Python 3.14's; 0: the Pool's
/// default, 64 x max_workers x chunksize).
struct ExecutorMapOptions {
    std::optional<Duration> timeout;
    std::size_t chunksize = 1;
    std::size_t buffersize = 0;
};

/// Options of ProcessPoolExecutor::shutdown (Python's keyword arguments).
struct ShutdownOptions {
    bool wait = true;             ///< wait until every running and pending task is done
    bool cancel_futures = false;  ///< cancel the futures not yet running first
};

/// The results of ProcessPoolExecutor::map, lazily, in input order; next() or a range-for.
template <class T>
class ExecutorMapIterator {
  public:
    ExecutorMapIterator(IMapIterator<T> results, std::optional<Duration> timeout)
        : results_(std::move(results)),
          deadline_(timeout ? MaybeDeadline(deadline_after(*timeout)) : std::nullopt) {}
    /// The next result (std::nullopt after the last); throws that task's error at its
    /// place; TimeoutError once map's timeout has passed and the result is not there.
    /// Dropping the iterator stops the call (its input is read no further).
    std::optional<T> next() {
        if (!deadline_) return results_.next();
        const auto left = std::chrono::duration_cast<Duration>(*deadline_ - Clock::now());
        return results_.next(std::max(left, Duration::zero()));
    }
    using Iterator = detail::NextIterator<ExecutorMapIterator, T>;
    Iterator begin() { return Iterator(this); }
    detail::NextSentinel end() { return {}; }

  private:
    IMapIterator<T> results_;
    MaybeDeadline deadline_;
};

class ProcessPoolExecutor {
  public:
    ProcessPoolExecutor();
    explicit ProcessPoolExecutor(ExecutorOptions options);
    ProcessPoolExecutor(const ProcessPoolExecutor&) = delete;
    ProcessPoolExecutor& operator=(const ProcessPoolExecutor&) = delete;
    /// shutdown(wait = true), bounded by drain_timeout (see the top of this header).
    ~ProcessPoolExecutor();

    /// Schedules fn(args...) and returns its Future. ValueError after shutdown.
    template <class F, class... A>
    Future<detail::fn_result_t<F>> submit(F fn, A&&... args) {
        static_assert(detail::task_accepts_v<F, A...>,
                      "mpact::ProcessPoolExecutor::submit: the task cannot be called with these "
                      "arguments (a std::tuple is one argument, not unpacked: pass its elements)");
        std::lock_guard lock(mutex_);  // a submit is not lost to a concurrent shutdown
        check_open("submit");
        std::shared_ptr<detail::FutureCore> core;
        auto result = pool_.submit_one(
            fn, std::make_tuple(std::forward<A>(args)...), std::nullopt,
            [&core](detail::BatchState& state) { core = detail::FutureCore::bind(state); });
        track_locked(core);
        return Future<detail::fn_result_t<F>>(std::move(core), std::move(result));
    }

    /// fn over `items` (any input range, endless ones too), lazily, in input order: the Pool's
    /// imap, read on the caller's thread as results are taken. A void task gives
    /// std::monostate per item. ValueError after shutdown. Python's map submits every item
    /// at once (3.14: at most buffersize ahead); this one never holds more than buffersize.
    template <class F, std::ranges::input_range In>
    ExecutorMapIterator<detail::map_value_t<F>> map(F fn, In&& items,
                                                    ExecutorMapOptions options = {}) {
        std::lock_guard lock(mutex_);
        check_open("map");
        return ExecutorMapIterator<detail::map_value_t<F>>(
            pool_.imap(
                fn, std::forward<In>(items),
                MapOptions{.chunksize = options.chunksize, .buffersize = options.buffersize}),
            options.timeout);
    }

    /// No more submissions. cancel_futures: the futures not yet running are cancelled
    /// (CancelledError). wait: returns once every running and pending task is done and the
    /// workers have exited (as long as it takes: drop or exhaust map iterators first, an
    /// open one keeps the pool serving it); otherwise returns at once and the work goes on.
    /// Calling it again is harmless.
    void shutdown(ShutdownOptions options = {});

    /// The pids of the live workers (changes as workers are replaced).
    [[nodiscard]] std::vector<pid_t> worker_pids() const { return pool_.worker_pids(); }

  private:
    void check_open(const char* what) const;
    /// Keeps `core` for shutdown's cancel_futures (finished ones are let go as it grows).
    void track_locked(const std::shared_ptr<detail::FutureCore>& core);

    Pool pool_;
    std::mutex mutex_;
    bool shut_ = false;
    bool joined_ = false;
    std::vector<std::shared_ptr<detail::FutureCore>> unfinished_;
    std::size_t prune_at_ = 64;
};

}  // namespace mpact
