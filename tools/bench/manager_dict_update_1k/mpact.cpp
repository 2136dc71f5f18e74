// manager_dict_update_1k — mpact: d.update(m) of 1,000 int -> long pairs on a Manager dict,
// one message. Median microseconds per update.
#include <mpact/manager.hpp>
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <map>
#include <stdexcept>
#include <vector>

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const int warmup = opt.pick(20, 5), n = opt.pick(500, 50);
        mpact::Manager m;
        auto d = m.dict<int, long>();
        std::map<int, long> batch;
        for (int k = 0; k < 1000; ++k) batch[k] = k;
        std::vector<double> us;
        for (int i = 0; i < warmup + n; ++i) {
            batch[0] = i;
            const auto t0 = bench::now_ns();
            d.update(batch);
            if (i >= warmup) us.push_back(static_cast<double>(bench::now_ns() - t0) / 1e3);
        }
        if (d.size() != 1000 || d.get(0) != warmup + n - 1)
            throw std::runtime_error("update lost keys");
        bench::emit({bench::median(us),
                     "us",
                     n,
                     "Manager dict: d.update(1,000 pairs) in one message; median",
                     {}});
    });
}
