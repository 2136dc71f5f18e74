// value_fetch_add — mpact: a forked child's v.fetch_add(1) on a Value<int> whose actor is in
// the parent: one request each. Median and p99 per operation in microseconds.
#include <mpact/mpact.hpp>
#include <mpact/sync.hpp>

#include <bench_util.hpp>

#include <stdexcept>
#include <vector>

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const int warmup = opt.pick(1000, 100), n = opt.pick(20000, 1000);
        mpact::Value<int> v{0};
        const bench::TokenPipe out;
        mpact::Process child({.start_method = mpact::StartMethod::fork}, [&] {
            std::vector<double> mine;
            for (int i = 0; i < warmup + n; ++i) {
                const auto t0 = bench::now_ns();
                static_cast<void>(v.fetch_add(1));
                if (i >= warmup) mine.push_back(static_cast<double>(bench::now_ns() - t0) / 1e3);
            }
            for (double x : mine) out.write_record(&x, sizeof x);
        });
        child.start();
        std::vector<double> us;
        for (int i = 0; i < n; ++i) {
            double x = 0;
            out.read_record(&x, sizeof x, std::chrono::seconds(60));
            us.push_back(x);
        }
        if (!child.join(std::chrono::seconds(30)) || child.exitcode() != 0)
            throw std::runtime_error("the child failed or did not exit");
        if (v.load() != warmup + n) throw std::runtime_error("lost increments");
        bench::emit({bench::median(us),
                     "us",
                     n,
                     "Value<int>: fetch_add(1) from a forked child, the actor in the parent; "
                     "median",
                     {{"p99", bench::percentile(us, 0.99)}}});
    });
}
