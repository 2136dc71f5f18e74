// imap_unordered — mpact: throughput of pool.imap_unordered(identity, 0..100000), chunksize
// 1, on a warm mpact::Pool(cpu_count), all results consumed; tasks/s.
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <string>
#include <thread>
#include <vector>

namespace {
int identity(int x) { return x; }
MPACT_TASK(identity);
}  // namespace

int main(int argc, char** argv) {
  mpact::init(argc, argv);
  return bench::run(argc, argv, [](const bench::Options& opt) {
    const int n = opt.pick(100000, 10000);
    const int processes = static_cast<int>(std::thread::hardware_concurrency());
    mpact::Pool pool{{.processes = processes}};
    std::vector<int> warm(1000), xs(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) xs[static_cast<std::size_t>(i)] = i;
    for (auto it = pool.imap_unordered(identity, warm); it.next();) {
    }
    const auto t0 = bench::now_ns();
    int count = 0;
    for (auto it = pool.imap_unordered(identity, xs); it.next();) ++count;
    const auto t1 = bench::now_ns();
    if (count != n) throw std::runtime_error("imap_unordered lost results");
    pool.close();
    pool.join();
    bench::emit({n * 1e9 / static_cast<double>(t1 - t0), "tasks/s", n,
                 "mpact::Pool(" + std::to_string(processes) + "), imap_unordered(identity, 0.." +
                     std::to_string(n) + "), chunksize=1, all results consumed",
                 {}});
  });
}
