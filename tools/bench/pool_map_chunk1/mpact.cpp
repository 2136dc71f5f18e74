// pool_map_chunk1 — mpact: pool.map(identity, 0..n) with chunksize=1 on a warm
// mpact::Pool(cpu_count) (20000 ints); median of 3 maps, in tasks/s.
#include <pool_bench.hpp>

#include <string>
#include <vector>

int main(int argc, char** argv) {
    return bench_pool::run(
        argc, argv, [](const bench::Options& opt, mpact::Pool& pool, const std::string& name) {
            const int n = opt.pick(20000, 2000);
            const auto xs = bench_pool::iota(n);
            std::vector<double> rates;
            for (int r = 0; r < opt.pick(3, 1); ++r) {
                const auto t0 = bench::now_ns();
                auto ys = pool.map(bench_pool::identity, xs, 1);
                const auto t1 = bench::now_ns();
                if (ys.size() != xs.size()) throw std::runtime_error("map lost results");
                rates.push_back(n * 1e9 / static_cast<double>(t1 - t0));
            }
            return bench::Result{bench::median(rates),
                                 "tasks/s",
                                 n,
                                 name + ", map(identity, 0.." + std::to_string(n) +
                                     "), chunksize=1; median of " + std::to_string(rates.size()) +
                                     " maps",
                                 {}};
        });
}
