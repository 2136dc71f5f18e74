// apply_async_rtt — mpact: sequential pool.apply_async(identity, i).get() on a warm
// mpact::Pool(cpu_count); median and p99 round trip in microseconds.
#include <pool_bench.hpp>

#include <chrono>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    return bench_pool::run(
        argc, argv, [](const bench::Options& opt, mpact::Pool& pool, const std::string& name) {
            const int warmup = opt.pick(500, 100), n = opt.pick(5000, 500);
            std::vector<double> rtt_us;
            for (int i = 0; i < warmup + n; ++i) {
                const auto t0 = bench::now_ns();
                const int v =
                    pool.apply_async(bench_pool::identity, i).get(std::chrono::seconds(30));
                const auto t1 = bench::now_ns();
                if (v != i) throw std::runtime_error("wrong result");
                if (i >= warmup) rtt_us.push_back(static_cast<double>(t1 - t0) / 1e3);
            }
            return bench::Result{bench::median(rtt_us),
                                 "us",
                                 n,
                                 name +
                                     ", apply_async(identity, i).get() one at a time; median "
                                     "round trip",
                                 {{"p99", bench::percentile(rtt_us, 0.99)}}};
        });
}
