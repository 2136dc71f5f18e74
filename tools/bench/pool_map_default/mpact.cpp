// pool_map_default — mpact: pool.map(identity, 0..n) with default chunksize on a warm
// mpact::Pool(cpu_count) (200000 ints); median of 3 maps, in tasks/s.
#include <pool_bench.hpp>

#include <string>
#include <vector>

int main(int argc, char** argv) {
    return bench_pool::run(
        argc, argv, [](const bench::Options& opt, mpact::Pool& pool, const std::string& name) {
            const int n = opt.pick(200000, 20000);
            const auto xs = bench_pool::iota(n);
            std::vector<double> rates;
            for (int r = 0; r < opt.pick(3, 1); ++r) {
                const auto t0 = bench::now_ns();
                auto ys = pool.map(bench_pool::identity, xs, 0);
                const auto t1 = bench::now_ns();
                if (ys.size() != xs.size()) throw std::runtime_error("map lost results");
                rates.push_back(n * 1e9 / static_cast<double>(t1 - t0));
            }
            return bench::Result{bench::median(rates),
                                 "tasks/s",
                                 n,
                                 name + ", map(identity, 0.." + std::to_string(n) +
                                     "), default chunksize; median of " +
                                     std::to_string(rates.size()) + " maps",
                                 {}};
        });
}
