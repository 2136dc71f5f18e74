// executor_submit — mpact: tasks/s of mpact::ProcessPoolExecutor(cpu_count): n = 10,000
// trivial tasks submitted one by one (2,000 under --quick), then every result collected;
// median of 3 rounds (1 under --quick) on a warm executor.
#include <pool_bench.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const int n = opt.pick(10000, 2000), rounds = opt.pick(3, 1);
        const int workers = static_cast<int>(std::thread::hardware_concurrency());
        std::vector<double> rates;
        {
            mpact::ProcessPoolExecutor ex{{.max_workers = workers}};
            for (int i = 0; i < 1000; ++i) {  // warm up the workers
                static_cast<void>(
                    ex.submit(bench_pool::identity, i).result(std::chrono::seconds(30)));
            }
            for (int r = 0; r < rounds; ++r) {
                const auto t0 = bench::now_ns();
                std::vector<mpact::Future<int>> futures;
                futures.reserve(static_cast<std::size_t>(n));
                for (int i = 0; i < n; ++i) futures.push_back(ex.submit(bench_pool::identity, i));
                for (int i = 0; i < n; ++i) {
                    if (futures[static_cast<std::size_t>(i)].result(std::chrono::seconds(60)) !=
                        i) {
                        throw std::runtime_error("wrong result");
                    }
                }
                const auto t1 = bench::now_ns();
                rates.push_back(n * 1e9 / static_cast<double>(t1 - t0));
            }
            ex.shutdown();
        }
        bench::emit(bench::Result{bench::median(rates),
                                  "tasks/s",
                                  n,
                                  "mpact::ProcessPoolExecutor(" + std::to_string(workers) + "), " +
                                      std::to_string(n) +
                                      " x submit(identity, i), then every result(); median of " +
                                      std::to_string(rounds) + " rounds",
                                  {}});
    });
}
