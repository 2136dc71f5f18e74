// queue_64mib — mpact: one 64 MiB mpact::Bytes (Python's bytes) from the parent to a child
// through an mpact::Queue; queue_64mib_string is the same with std::string. The parent stamps before put(); the child stamps when get() returns and
// sends the stamp back on a control pipe (one CLOCK_MONOTONIC for both). Median of a few
// transfers after one warm-up, in GB/s (1e9 bytes/s), as common/big_message.py does.
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <algorithm>
#include <vector>

int main(int argc, char** argv) {
  mpact::init(argc, argv);
  return bench::run(argc, argv, [](const bench::Options& opt) {
    constexpr std::size_t kSize = std::size_t{64} << 20;
    const int reps = opt.pick(5, 2);
    mpact::Queue<mpact::Bytes> queue;  // empty ends the child (Python's contender sends None)
    const bench::TokenPipe stamps;
    mpact::Process child({.start_method = mpact::StartMethod::fork}, [&] {
      for (auto data = queue.get(); !data.empty(); data = queue.get()) {
        const std::int64_t stamp = bench::now_ns();
        if (data.size() != kSize) throw std::runtime_error("got the wrong size");
        stamps.write_record(&stamp, sizeof stamp);
      }
    });
    child.start();
    mpact::Bytes payload = mpact::Bytes::for_overwrite(kSize);
    std::fill(payload.begin(), payload.end(), 'x');
    std::vector<double> rates;
    for (int i = 0; i < 1 + reps; ++i) {  // the first transfer warms up
      const auto t0 = bench::now_ns();
      queue.put(payload);
      std::int64_t t1 = 0;
      stamps.read_record(&t1, sizeof t1, std::chrono::seconds(60));
      if (i > 0) rates.push_back(static_cast<double>(kSize) / static_cast<double>(t1 - t0));
    }
    queue.put(mpact::Bytes());
    if (!child.join(std::chrono::seconds(30)) || child.exitcode() != 0) {
      throw std::runtime_error("the receiving child failed");
    }
    bench::emit({bench::median(rates), "GB/s", reps,
                 "mpact::Queue put()/get() of one 64 MiB mpact::Bytes to a child (fork), send start "
                 "to receive complete; median of transfers",
                 {}});
  });
}
