// What the Pool figures' mpact contenders share (pool_map_default, pool_map_chunk1,
// apply_async_rtt, imap_unordered, pool_rss): the trivial task, the input 0..n-1, and a
// warm mpact::Pool(cpu_count) that is closed and joined before the result is printed.
#pragma once
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <string>
#include <thread>
#include <vector>

namespace bench_pool {

inline int identity(int x) {
    return x;
}
MPACT_TASK(identity);

/// 0, 1, ..., n-1.
inline std::vector<int> iota(int n) {
    std::vector<int> xs(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) xs[static_cast<std::size_t>(i)] = i;
    return xs;
}

/// mpact::init, then bench::run: `body(options, pool, pool_name)` measures on a Pool of
/// hardware_concurrency() workers, warmed up by a map of 1,000 tasks, and returns the
/// result, which is printed once the pool is closed and joined.
template <class Body>
int run(int argc, char** argv, Body body) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [&](const bench::Options& opt) {
        const int processes = static_cast<int>(std::thread::hardware_concurrency());
        mpact::Pool pool{{.processes = processes}};
        static_cast<void>(pool.map(identity, std::vector<int>(1000)));  // warm up the workers
        bench::Result result = body(opt, pool, "mpact::Pool(" + std::to_string(processes) + ")");
        pool.close();
        pool.join();
        bench::emit(result);
    });
}

/// The pool_map_* body: median tasks/s of `pool.map(identity, 0..n)` over 3 maps (1 when
/// quick), n = `full` (or `quick`), at `chunksize` (0: Python's default).
inline int map_figure(int argc, char** argv, int full, int quick, std::size_t chunksize,
                      const std::string& chunking) {
    return run(argc, argv,
               [&](const bench::Options& opt, mpact::Pool& pool, const std::string& name) {
                   const int n = opt.pick(full, quick);
                   const auto xs = iota(n);
                   std::vector<double> rates;
                   for (int r = 0; r < opt.pick(3, 1); ++r) {
                       const auto t0 = bench::now_ns();
                       auto ys = pool.map(identity, xs, chunksize);
                       const auto t1 = bench::now_ns();
                       if (ys.size() != xs.size()) throw std::runtime_error("map lost results");
                       rates.push_back(n * 1e9 / static_cast<double>(t1 - t0));
                   }
                   return bench::Result{bench::median(rates),
                                        "tasks/s",
                                        n,
                                        name + ", map(identity, 0.." + std::to_string(n) + "), " +
                                            chunking + "; median of " +
                                            std::to_string(rates.size()) + " maps",
                                        {}};
               });
}

}  // namespace bench_pool
