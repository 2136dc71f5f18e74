// manager_dict_setget — mpact: d.set(k, i) then d.get(k) on a Manager dict<int, long> whose
// manager runs in a process of its own: one one-way message and one round trip per pair.
// Median and p99 per pair in microseconds.
#include <mpact/manager.hpp>
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <stdexcept>
#include <vector>

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const int warmup = opt.pick(1000, 100), n = opt.pick(20000, 1000);
        mpact::Manager m;
        auto d = m.dict<int, long>();
        std::vector<double> us;
        us.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < warmup + n; ++i) {
            const auto t0 = bench::now_ns();
            d.set(i % 64, i);
            if (d.get(i % 64) != i) throw std::runtime_error("get did not see the set");
            if (i >= warmup) us.push_back(static_cast<double>(bench::now_ns() - t0) / 1e3);
        }
        bench::emit({bench::median(us),
                     "us",
                     n,
                     "Manager dict: d.set(k, i); d.get(k) (one-way set, one round trip); median",
                     {{"p99", bench::percentile(us, 0.99)}}});
    });
}
