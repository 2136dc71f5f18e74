// imap_unordered — mpact: throughput of pool.imap_unordered(identity, 0..100000), chunksize
// 1, on a warm mpact::Pool(cpu_count), all results consumed; tasks/s.
#include <pool_bench.hpp>

#include <string>

int main(int argc, char** argv) {
    return bench_pool::run(
        argc, argv, [](const bench::Options& opt, mpact::Pool& pool, const std::string& name) {
            const int n = opt.pick(100000, 10000);
            const auto xs = bench_pool::iota(n);
            const auto t0 = bench::now_ns();
            int count = 0;
            for (auto it = pool.imap_unordered(bench_pool::identity, xs); it.next();) ++count;
            const auto t1 = bench::now_ns();
            if (count != n) throw std::runtime_error("imap_unordered lost results");
            return bench::Result{n * 1e9 / static_cast<double>(t1 - t0),
                                 "tasks/s",
                                 n,
                                 name + ", imap_unordered(identity, 0.." + std::to_string(n) +
                                     "), chunksize=1, all results consumed",
                                 {}};
        });
}
