// event_wake — mpact: set() of an mpact::Event (its actor in the parent) until a waiter in a
// forked child returns from wait(), in microseconds, stamped on one monotonic clock. The same
// rounds as the Python peer: stamp + set `ping`; the child wakes, stamps, clears `ping`, sets
// `ack`; the parent waits for `ack` and clears it. Median and p99.
#include <mpact/mpact.hpp>
#include <mpact/sync.hpp>

#include <bench_util.hpp>

#include <cstdint>
#include <stdexcept>
#include <vector>

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const int warmup = opt.pick(200, 50), n = opt.pick(5000, 300);
        const int rounds = warmup + n;
        mpact::Event ping, ack;
        const bench::TokenPipe stamps;
        mpact::Process child({.start_method = mpact::StartMethod::fork}, [&] {
            std::vector<std::int64_t> woke;
            woke.reserve(static_cast<std::size_t>(rounds));
            for (int i = 0; i < rounds; ++i) {
                ping.wait();
                woke.push_back(bench::now_ns());
                ping.clear();
                ack.set();
            }
            for (auto t : woke) stamps.write_record(&t, sizeof t);
        });
        child.start();
        std::vector<std::int64_t> sets;
        for (int i = 0; i < rounds; ++i) {
            sets.push_back(bench::now_ns());
            ping.set();
            if (!ack.wait(std::chrono::seconds(30)))
                throw std::runtime_error("the waiter did not answer");
            ack.clear();
        }
        std::vector<double> us;
        for (int i = 0; i < rounds; ++i) {
            std::int64_t t = 0;
            stamps.read_record(&t, sizeof t, std::chrono::seconds(30));
            if (i >= warmup)
                us.push_back(static_cast<double>(t - sets[static_cast<std::size_t>(i)]) / 1e3);
        }
        if (!child.join(std::chrono::seconds(30)) || child.exitcode() != 0)
            throw std::runtime_error("the waiter failed or did not exit");
        bench::emit({bench::median(us),
                     "us",
                     n,
                     "mpact::Event: set() in the parent until wait() returns in a forked child; "
                     "median",
                     {{"p99", bench::percentile(us, 0.99)}}});
    });
}
