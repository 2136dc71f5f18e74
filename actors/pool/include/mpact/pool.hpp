#pragma once
/// mpact::Pool: a pool of worker processes run by a supervisor actor. Unlike Python's Pool it
/// never hangs on a dead worker: a worker that exits or is killed mid-task is noticed within
/// 1 s and replaced. A death is charged to the one task that was running: it is retried
/// `retries` times, then fails with WorkerLostError; the tasks of its chunk already done are
/// kept and the rest re-run uncharged. Every result is delivered exactly once. A worker
/// retiring after `maxtasksperchild` tasks is a normal end, not counted as a restart.
///
///     int square(int x) { return x * x; }
///     MPACT_TASK(square);
///     mpact::Pool pool{{.processes = 4}};
///     std::vector<int> squares = pool.map(square, std::vector<int>{1, 2, 3});
///     auto r = pool.apply_async(square, 7);   // r.get(1s) == 49
///
/// Python: multiprocessing.Pool. Functions must be registered with MPACT_TASK (ValueError
/// otherwise, at submission). Callbacks run in this process on one result thread, in
/// completion order. Argument types are checked at compile time (static_assert).
/// Lifetime: the destructor does what PoolOptions::on_exit says: by default it terminates
/// (Python's `with`: workers flush their stdio and exit, else are killed; bounded); `drain`
/// lets the submitted work finish first, within `drain_timeout`. Timeout: join(timeout)
/// returns false.
/// Ctrl-C: workers ignore SIGINT, so a terminal's interrupt reaches only the parent, which
/// decides (Python's workers each raise KeyboardInterrupt mid-task). The parent keeps its own
/// disposition: by default it dies, and its workers die with it (none outlives it); a parent
/// that handles SIGINT keeps a whole, serving pool. A task that wants SIGINT can restore it.
/// Throws: ValueError on submission after close()/terminate() and on join() before either.
/// Thread-safety: submissions from any thread; close/terminate/join from one.
#include <mpact/async_result.hpp>
#include <mpact/process.hpp>
#include <mpact/task.hpp>

#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <ranges>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace mpact {

/// A registered task with its arguments, e.g. a pool's initializer: bind_task(init, 42).
struct TaskCall {
    std::string name;
    std::string packed_args;
    MSGPACK_DEFINE(name, packed_args)
};
template <class F, class... A>
[[nodiscard]] TaskCall bind_task(F fn, A&&... args) {
    return TaskCall{task_name(fn), pack(std::make_tuple(std::forward<A>(args)...))};
}

/// What the Pool's destructor does with work still queued or running.
enum class OnExit {
    terminate,  ///< kill the workers at once; pending results fail (Python's `with` block)
    drain,      ///< close(), let every submitted task finish, then join; terminate if it
                ///< takes longer than PoolOptions::drain_timeout
};

/// Pool options; designated initialisers are Python's keyword arguments.
struct PoolOptions {
    int processes = 0;                        ///< 0: cpu_count()
    std::optional<TaskCall> initializer;      ///< run once in each worker before any task
    int maxtasksperchild = 0;                 ///< 0: workers live as long as the pool
    std::optional<StartMethod> start_method;  ///< how workers start (default: get_start_method())
    int retries = 0;                          ///< re-runs of a task whose worker died
    /// The workers' supervisor gives up after more than this many restarts within
    /// `restart_period` (0: max(20, 10 x processes)); the pool's tasks then fail with
    /// ProcessError. Erlang: the supervisor's intensity and period.
    int restart_intensity = 0;
    Duration restart_period = std::chrono::seconds(1);
    OnExit on_exit = OnExit::terminate;                 ///< the destructor's policy
    Duration drain_timeout = std::chrono::seconds(60);  ///< bound of OnExit::drain
};

/// Options of one asynchronous call: Python's callback / error_callback (run on the pool's
/// result thread), and a per-task `timeout` Python lacks. A task still running `timeout`
/// after it began fails with TimeoutError (in get(), the error_callback, the iterator): its
/// worker is killed and replaced, the other tasks are not disturbed (those queued behind it
/// run on other workers), and it is not retried (it would time out again). A task retried
/// after a worker death gets a fresh timeout. Deliberate kills never count toward the
/// restart intensity. The clock starts when a worker takes the task in hand, not at
/// submission.
///     pool.apply_async(stuck, std::tuple{}, {.timeout = 2s});
template <class T>
struct ApplyOptions {
    std::function<void(const T&)> callback;
    std::function<void(const Error&)> error_callback;
    std::optional<Duration> timeout;  ///< per task; none: as long as it takes
};

template <>
struct ApplyOptions<void> {
    std::function<void()> callback;
    std::function<void(const Error&)> error_callback;
    std::optional<Duration> timeout;
};

/// The earlier name of ApplyOptions (callbacks only).
template <class T>
using Callbacks = ApplyOptions<T>;

/// Options of map / starmap / imap / imap_unordered: Python's chunksize (0: the call's
/// default: map's ceil(n / (4 x processes)), imap's 1) and a per-task `timeout` as in
/// ApplyOptions (a timed-out task fails map as any failing task does; imap raises it at its
/// place).
/// `buffersize` (imap / imap_unordered only; Python 3.14's Executor.map): at most this many
/// tasks are submitted and not yet taken by the iterator's next(); the input is read as
/// results are taken, so neither an endless input nor a slow consumer grows the parent's
/// memory. 0: 1024 x processes x chunksize. A nonzero value below chunksize is a ValueError.
struct MapOptions {
    std::size_t chunksize = 0;
    std::optional<Duration> timeout;
    std::size_t buffersize = 0;
};

namespace detail {
template <class F>
struct FnResult;
template <class R, class... A>
struct FnResult<R (*)(A...)> {
    using type = R;
};
template <class F>
using fn_result_t = typename FnResult<std::decay_t<F>>::type;
template <class F>
struct FnArgs;
template <class R, class... A>
struct FnArgs<R (*)(A...)> {
    using type = std::tuple<std::decay_t<A>...>;
};
/// The task's parameter types as a tuple: arguments travel converted to them, as in a call.
template <class F>
using fn_args_t = typename FnArgs<std::decay_t<F>>::type;
/// What map / imap give per task: the result, or std::monostate for a void task (Python's
/// None).
template <class F>
using map_value_t =
    std::conditional_t<std::is_void_v<fn_result_t<F>>, std::monostate, fn_result_t<F>>;

/// True when the task fn can be called with arguments of types A... (checked at compile
/// time, as Process does; a std::tuple is one argument, not unpacked).
template <class F, class... A>
inline constexpr bool task_accepts_v = std::is_invocable_v<std::decay_t<F>, A...>;
template <class F, class T, class = void>
struct TaskAcceptsTuple : std::false_type {};
template <class F, class T>
struct TaskAcceptsTuple<F, T, std::void_t<decltype(std::tuple_size<T>::value)>> {
    template <std::size_t... I>
    static constexpr bool check(std::index_sequence<I...>) {
        return task_accepts_v<F, std::tuple_element_t<I, T>...>;
    }
    static constexpr bool value = check(std::make_index_sequence<std::tuple_size_v<T>>{});
};
/// True when the elements of tuple-like T are arguments fn accepts (starmap's items).
template <class F, class T>
inline constexpr bool task_accepts_tuple_v = TaskAcceptsTuple<F, std::decay_t<T>>::value;

struct PoolCore;
/// `count` packed argument tuples laid end to end: one chunk as it travels.
struct PackedChunk {
    std::uint32_t count = 0;
    std::string args;
};

/// The input of an imap, read a chunk at a time on the thread that calls the iterator's
/// next() (a user's range need not be thread-safe).
class ChunkSource {
  public:
    virtual ~ChunkSource() = default;
    /// Packs the next items (at most `max`) into `args` as one msgpack array and returns how
    /// many; fewer than `max` only once the input has ended. What the input throws ends it
    /// and is stored in `error`, the items before it kept.
    virtual std::uint32_t pull(std::size_t max, std::string& args, std::exception_ptr& error) = 0;
};

/// A msgpack output stream appending to a string.
struct StringOut {
    std::string* out;
    void write(const char* data, std::size_t size) { out->append(data, size); }
};

/// The ChunkSource over a view V of the caller's range; `PackOne(out, item)` packs one item.
template <class V, class PackOne>
class RangeSource final : public ChunkSource {
  public:
    RangeSource(V view, PackOne one) : view_(std::move(view)), one_(std::move(one)) {}
    std::uint32_t pull(std::size_t max, std::string& args, std::exception_ptr& error) override {
        // The count is known at the end: an array32 header (0xdd + 4 bytes), patched then.
        args.assign("\xdd\0\0\0\0", 5);
        StringOut out{&args};
        std::uint32_t count = 0;
        try {
            if (!it_) it_.emplace(std::ranges::begin(view_));
            while (count < max && *it_ != std::ranges::end(view_)) {
                const auto mark = args.size();
                try {
                    one_(out, **it_);
                } catch (...) {
                    args.resize(mark);  // not half an item
                    throw;
                }
                ++count;
                ++*it_;
            }
        } catch (...) {
            error = std::current_exception();
        }
        for (int i = 0; i < 4; ++i) {
            args[static_cast<std::size_t>(1 + i)] =
                static_cast<char>((count >> (24 - 8 * i)) & 0xff);
        }
        return count;
    }

  private:
    V view_;
    std::optional<std::ranges::iterator_t<V>> it_;  // from the first pull on
    PackOne one_;
};
}  // namespace detail

class Pool {
  public:
    Pool();
    explicit Pool(int processes);
    explicit Pool(PoolOptions options);
    Pool(Pool&&) noexcept;
    Pool& operator=(Pool&&) noexcept;
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;
    /// By PoolOptions::on_exit: terminate() (the default) kills the workers and pending results
    /// fail; drain closes the pool and waits up to drain_timeout for the submitted work, then
    /// terminates. Bounded: each worker is asked to flush its stdio and exit, SIGKILLed after a
    /// short grace; the wait for the pool's actor is bounded too (then the workers still known
    /// are SIGKILLed and it is abandoned).
    ~Pool();

    /// Runs fn(args...) in a worker and waits for its result.
    template <class F, class... A>
    detail::fn_result_t<F> apply(F fn, A&&... args) {
        static_assert(detail::task_accepts_v<F, A...>,
                      "mpact::Pool::apply: the task cannot be called with these arguments (a "
                      "std::tuple is one argument, not unpacked: pass its elements)");
        return apply_async(fn, std::forward<A>(args)...).get();
    }
    /// Runs fn(args...) in a worker; the result arrives in the AsyncResult.
    template <class F, class... A>
    AsyncResult<detail::fn_result_t<F>> apply_async(F fn, A&&... args) {
        static_assert(detail::task_accepts_v<F, A...>,
                      "mpact::Pool::apply_async: the task cannot be called with these arguments "
                      "(a std::tuple is one argument, not unpacked: pass its elements)");
        return apply_async(fn, std::make_tuple(std::forward<A>(args)...),
                           Callbacks<detail::fn_result_t<F>>{});
    }
    /// As apply_async, with Python's callback / error_callback.
    template <class F, class... A>
    AsyncResult<detail::fn_result_t<F>> apply_async(
        F fn, std::tuple<A...> args,
        std::type_identity_t<Callbacks<detail::fn_result_t<F>>> callbacks) {
        static_assert(detail::task_accepts_v<F, A...>,
                      "mpact::Pool::apply_async: the task cannot be called with the elements of "
                      "this tuple");
        using R = detail::fn_result_t<F>;
        const auto timeout = callbacks.timeout;
        return submit_one(fn, std::move(args), timeout, [&callbacks](detail::BatchState& state) {
            if (!callbacks.callback && !callbacks.error_callback) return;
            detail::batch_on_ready(state, [cb = std::move(callbacks)](detail::BatchState& s) {
                if (detail::batch_failed(s)) {
                    if (cb.error_callback) report(s, cb.error_callback);
                } else if (cb.callback) {
                    if constexpr (std::is_void_v<R>)
                        cb.callback();
                    else
                        cb.callback(detail::decode_all<R>(s)[0]);
                }
            });
        });
    }

    /// [fn(x) for x in items], in order. chunksize 0: Python's default. A void task gives
    /// one std::monostate per item (Python's [None, ...]).
    template <class F, class C>
    std::vector<detail::map_value_t<F>> map(F fn, const C& items, std::size_t chunksize = 0) {
        return map_async(fn, items, MapOptions{chunksize}).get();
    }
    /// As map, with a per-task timeout: pool.map(f, items, {.chunksize = 4, .timeout = 2s}).
    template <class F, class C>
    std::vector<detail::map_value_t<F>> map(F fn, const C& items, MapOptions options) {
        return map_async(fn, items, options).get();
    }
    template <class F, class C>
    AsyncResult<std::vector<detail::map_value_t<F>>> map_async(
        F fn, const C& items, std::size_t chunksize = 0,
        std::type_identity_t<Callbacks<std::vector<detail::map_value_t<F>>>> callbacks = {}) {
        const auto timeout = callbacks.timeout;
        return map_async(fn, items, MapOptions{chunksize, timeout}, std::move(callbacks));
    }
    template <class F, class C>
    AsyncResult<std::vector<detail::map_value_t<F>>> map_async(
        F fn, const C& items, MapOptions options,
        std::type_identity_t<Callbacks<std::vector<detail::map_value_t<F>>>> callbacks = {}) {
        static_assert(detail::task_accepts_v<F, const typename C::value_type&>,
                      "mpact::Pool::map: the task cannot be called with one item of this "
                      "container (for several arguments per call use starmap)");
        const auto& name = task_name(fn);
        return many<detail::map_value_t<F>>(
            name, items.size(),
            chunk(items, options.chunksize,
                  [](auto& b, const auto& x) { msgpack::pack(b, detail::fn_args_t<F>(x)); }),
            std::move(callbacks), options.timeout);
    }
    /// [fn(*args) for args in items], items being tuples.
    template <class F, class C>
    std::vector<detail::map_value_t<F>> starmap(F fn, const C& items, std::size_t chunksize = 0) {
        return starmap_async(fn, items, MapOptions{chunksize}).get();
    }
    template <class F, class C>
    std::vector<detail::map_value_t<F>> starmap(F fn, const C& items, MapOptions options) {
        return starmap_async(fn, items, options).get();
    }
    template <class F, class C>
    AsyncResult<std::vector<detail::map_value_t<F>>> starmap_async(
        F fn, const C& items, std::size_t chunksize = 0,
        std::type_identity_t<Callbacks<std::vector<detail::map_value_t<F>>>> callbacks = {}) {
        const auto timeout = callbacks.timeout;
        return starmap_async(fn, items, MapOptions{chunksize, timeout}, std::move(callbacks));
    }
    template <class F, class C>
    AsyncResult<std::vector<detail::map_value_t<F>>> starmap_async(
        F fn, const C& items, MapOptions options,
        std::type_identity_t<Callbacks<std::vector<detail::map_value_t<F>>>> callbacks = {}) {
        static_assert(detail::task_accepts_tuple_v<F, typename C::value_type>,
                      "mpact::Pool::starmap: the task cannot be called with the elements of "
                      "one item of this container (each item must be a tuple of its arguments)");
        const auto& name = task_name(fn);
        return many<detail::map_value_t<F>>(
            name, items.size(),
            chunk(items, options.chunksize,
                  [](auto& b, const auto& x) {
                      msgpack::pack(
                          b, std::apply([](const auto&... a) { return detail::fn_args_t<F>(a...); },
                                        x));
                  }),
            std::move(callbacks), options.timeout);
    }
    /// Results of fn over items, lazily, in order (chunksize 1 as in Python). `items` is any
    /// input range, endless ones too (std::views::iota(0), a transform over it): it is read
    /// only on the caller's thread, here and in the iterator's next(), a chunk at a time as
    /// results are taken, at most MapOptions::buffersize tasks ahead of them (Python's imap
    /// reads its whole input at once). A container passed as an lvalue is read in place (it
    /// must outlive the iterator), a temporary one is moved in. What the input throws comes
    /// out of next() after the results of the items before it. ValueError: buffersize below
    /// chunksize, or the pool closed. The pool's close() lets an open imap finish; join()
    /// waits for it (as Python's does), so drop or exhaust the iterator before joining.
    template <class F, std::ranges::input_range In>
    IMapIterator<detail::map_value_t<F>> imap(F fn, In&& items, std::size_t chunksize = 1) {
        return stream<detail::map_value_t<F>>(fn, std::forward<In>(items), MapOptions{chunksize},
                                              true);
    }
    template <class F, std::ranges::input_range In>
    IMapIterator<detail::map_value_t<F>> imap(F fn, In&& items, MapOptions options) {
        return stream<detail::map_value_t<F>>(fn, std::forward<In>(items), options, true);
    }
    /// As imap, in completion order.
    template <class F, std::ranges::input_range In>
    IMapIterator<detail::map_value_t<F>> imap_unordered(F fn, In&& items,
                                                        std::size_t chunksize = 1) {
        return stream<detail::map_value_t<F>>(fn, std::forward<In>(items), MapOptions{chunksize},
                                              false);
    }
    template <class F, std::ranges::input_range In>
    IMapIterator<detail::map_value_t<F>> imap_unordered(F fn, In&& items, MapOptions options) {
        return stream<detail::map_value_t<F>>(fn, std::forward<In>(items), options, false);
    }

    /// No more submissions; workers exit once the queued work is done.
    void close();
    /// Kills every worker now (within 1 s); pending results fail with WorkerLostError.
    void terminate();
    /// Waits for the workers to exit; ValueError unless closed or terminated.
    void join();
    /// As join(), waiting at most `timeout`; true once every worker has exited.
    [[nodiscard]] bool join(Duration timeout);

    /// The pool's size.
    [[nodiscard]] int processes() const;
    /// The pids of the live workers (changes as workers are replaced).
    [[nodiscard]] std::vector<pid_t> worker_pids() const;

  private:
    friend class ProcessPoolExecutor;  // submits through submit_one
    /// One task fn(args...); `prepare(state)` runs before it is submitted (to set on_ready).
    template <class F, class... A, class Prepare>
    AsyncResult<detail::fn_result_t<F>> submit_one(F fn, std::tuple<A...> args,
                                                   std::optional<Duration> timeout,
                                                   Prepare&& prepare) {
        using R = detail::fn_result_t<F>;
        auto state = batch(1);
        prepare(*state);
        const auto& name = task_name(fn);
        std::vector<detail::PackedChunk> one(1);
        one[0].count = 1;
        // A chunk is an array of argument tuples, converted to the task's parameter types.
        one[0].args = pack(std::make_tuple(detail::fn_args_t<F>(std::move(args))));
        submit(name, std::move(one), detail::sink_of(state), timeout);
        return AsyncResult<R>(state, [](const detail::BatchState& s) -> R {
            if constexpr (!std::is_void_v<R>) return detail::decode_all<R>(s)[0];
        });
    }
    template <class E>
    static void report(detail::BatchState& s, const E& handler) {
        try {
            detail::batch_raise(s);
        } catch (const Error& e) {
            handler(e);
        }
    }
    template <class C, class PackOne>
    std::vector<detail::PackedChunk> chunk(const C& items, std::size_t chunksize, PackOne one) {
        const std::size_t n = items.size();
        chunksize = effective_chunksize(n, chunksize);
        std::vector<detail::PackedChunk> chunks;
        chunks.reserve(n / chunksize + 1);
        msgpack::sbuffer buffer;
        msgpack::packer<msgpack::sbuffer> packer(buffer);
        std::size_t left = n;
        std::uint32_t count = 0;
        for (const auto& x : items) {  // each chunk: one msgpack array of argument tuples
            if (count == 0)
                packer.pack_array(static_cast<std::uint32_t>(std::min(chunksize, left)));
            one(buffer, x);
            --left;
            if (++count == chunksize || left == 0) {
                chunks.push_back({count, std::string(buffer.data(), buffer.size())});
                buffer.clear();
                count = 0;
            }
        }
        return chunks;
    }
    template <class R>
    AsyncResult<std::vector<R>> many(const std::string& task, std::size_t n,
                                     std::vector<detail::PackedChunk> chunks,
                                     Callbacks<std::vector<R>> callbacks,
                                     std::optional<Duration> timeout) {
        auto state = batch(n);
        if (callbacks.callback || callbacks.error_callback) {
            detail::batch_on_ready(*state, [cb = std::move(callbacks)](detail::BatchState& s) {
                if (detail::batch_failed(s)) {
                    if (cb.error_callback) report(s, cb.error_callback);
                } else if (cb.callback) {
                    cb.callback(detail::decode_all<R>(s));
                }
            });
        }
        submit(task, std::move(chunks), detail::sink_of(state), timeout);
        return AsyncResult<std::vector<R>>(state, &detail::decode_all<R>);
    }
    template <class R, class F, class In>
    IMapIterator<R> stream(F fn, In&& items, MapOptions options, bool ordered) {
        static_assert(detail::task_accepts_v<F, std::ranges::range_reference_t<In>>,
                      "mpact::Pool::imap: the task cannot be called with one item of this "
                      "range");
        static_assert(std::ranges::viewable_range<In>,
                      "mpact::Pool::imap: pass the range as an lvalue or a temporary");
        auto one = [](auto& out, const auto& x) { msgpack::pack(out, detail::fn_args_t<F>(x)); };
        using View = std::views::all_t<In>;
        return IMapIterator<R>(
            open_stream(task_name(fn),
                        std::make_unique<detail::RangeSource<View, decltype(one)>>(
                            std::views::all(std::forward<In>(items)), one),
                        options, ordered));
    }
    std::shared_ptr<detail::BatchState> batch(std::size_t n);
    /// Starts an imap over `source` (its first window read here); see imap.
    std::shared_ptr<detail::Stream> open_stream(const std::string& task,
                                                std::unique_ptr<detail::ChunkSource> source,
                                                MapOptions options, bool ordered);
    void kick();
    bool join_until(MaybeDeadline deadline);
    /// chunksize 0: Python's default, ceil(n / (4 x processes)).
    [[nodiscard]] std::size_t effective_chunksize(std::size_t n, std::size_t chunksize) const;
    /// `timeout`: per task (see ApplyOptions).
    void submit(const std::string& task, std::vector<detail::PackedChunk> chunks,
                std::shared_ptr<detail::ResultSink> sink, std::optional<Duration> timeout);

    std::shared_ptr<detail::PoolCore> core_;
};

}  // namespace mpact
