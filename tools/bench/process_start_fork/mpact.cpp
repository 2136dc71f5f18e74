// process_start_fork — mpact: median start()+join() of a Process running a no-op task with
// StartMethod::fork, in ms.
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <string>
#include <vector>

namespace {
void noop() {}
MPACT_TASK(noop);
}  // namespace

int main(int argc, char** argv) {
  mpact::init(argc, argv);
  return bench::run(argc, argv, [](const bench::Options& opt) {
    const int n = opt.pick(200, 20);
    std::vector<double> ms;
    for (int i = 0; i < n + 3; ++i) {
      const auto t0 = bench::now_ns();
      mpact::Process p({.start_method = mpact::StartMethod::fork}, noop);
      p.start();
      p.join();
      const auto t1 = bench::now_ns();
      if (p.exitcode() != 0) throw std::runtime_error("child failed");
      if (i >= 3) ms.push_back(static_cast<double>(t1 - t0) / 1e6);  // first starts warm up
    }
    bench::emit({bench::median(ms), "ms", n,
                 "Process({.start_method = fork}, noop): start()+join(), median", {}});
  });
}
