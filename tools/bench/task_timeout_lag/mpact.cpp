// task_timeout_lag — mpact only (Python's Pool has no per-task timeout): a task that sleeps
// 60 s submitted with apply_async(..., {.timeout = 100 ms}) to a warm mpact::Pool(1);
// how late its TimeoutError arrives after the deadline (submission + 100 ms), in ms, median
// and p99, and, as "replace", the median time from that error until a fresh task has run
// on the replacement (its worker killed, the next started by the supervisor, the task done).
#include <pool_bench.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace {
int stuck(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
}
MPACT_TASK(stuck);
}  // namespace

int main(int argc, char** argv) {
    using namespace std::chrono_literals;
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const int n = opt.pick(30, 5);
        constexpr auto kTimeout = 100ms;
        mpact::Pool pool{{.processes = 1}};  // one worker: the next task runs on the replacement
        (void)pool.map(bench_pool::identity, bench_pool::iota(100));  // warm
        std::vector<double> lag_ms, replace_ms;
        for (int i = 0; i < n; ++i) {
            const auto t0 = bench::now_ns();
            auto r = pool.apply_async(stuck, std::tuple{60'000}, {.timeout = kTimeout});
            try {
                (void)r.get(30s);
                throw std::runtime_error("the stuck task returned");
            } catch (const mpact::TimeoutError&) {
            }
            const auto t1 = bench::now_ns();
            if (pool.apply(bench_pool::identity, i) != i) throw std::runtime_error("wrong result");
            const auto t2 = bench::now_ns();
            lag_ms.push_back(static_cast<double>(t1 - t0) / 1e6 - 100.0);
            replace_ms.push_back(static_cast<double>(t2 - t1) / 1e6);
        }
        pool.close();
        pool.join();
        bench::emit(
            {bench::median(lag_ms),
             "ms",
             n,
             "mpact::Pool(1), apply_async(sleep 60 s, {.timeout = 100ms}).get(): "
             "TimeoutError after the deadline, median; replace = until the next "
             "apply() has run on the replacement worker",
             {{"p99", bench::percentile(lag_ms, 0.99)}, {"replace", bench::median(replace_ms)}}});
    });
}
