// pool_map_default — mpact: pool.map(identity, 0..n) with default chunksize on a warm
// mpact::Pool(cpu_count) (200000 ints); median of 3 maps, in tasks/s.
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
    const int n = opt.pick(200000, 20000);
    const int processes = static_cast<int>(std::thread::hardware_concurrency());
    mpact::Pool pool{{.processes = processes}};
    std::vector<int> warm(1000), xs(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) xs[static_cast<std::size_t>(i)] = i;
    static_cast<void>(pool.map(identity, warm));  // warm up the workers
    std::vector<double> rates;
    for (int r = 0; r < opt.pick(3, 1); ++r) {
      const auto t0 = bench::now_ns();
      auto ys = pool.map(identity, xs, 0);
      const auto t1 = bench::now_ns();
      if (ys.size() != xs.size()) throw std::runtime_error("map lost results");
      rates.push_back(n * 1e9 / static_cast<double>(t1 - t0));
    }
    pool.close();
    pool.join();
    bench::emit({bench::median(rates), "tasks/s", n,
                 "mpact::Pool(" + std::to_string(processes) + "), map(identity, 0.." +
                     std::to_string(n) + "), default chunksize; median of " +
                     std::to_string(rates.size()) + " maps",
                 {}});
  });
}
