// barrier_3p — mpact: 3 processes (the parent, which hosts the Barrier's actor, and 2 forked
// children) pass one mpact::Barrier(3) over and over. Microseconds per cycle, timed in the
// parent.
#include <mpact/mpact.hpp>
#include <mpact/sync.hpp>

#include <bench_util.hpp>

#include <chrono>
#include <stdexcept>
#include <vector>

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const int warmup = opt.pick(200, 50), n = opt.pick(5000, 300);
        mpact::Barrier barrier{3};
        std::vector<mpact::Process> procs;
        for (int p = 0; p < 2; ++p) {
            procs.emplace_back(mpact::ProcessOptions{.start_method = mpact::StartMethod::fork},
                               [&] {
                                   for (int i = 0; i < warmup + n; ++i)
                                       static_cast<void>(barrier.wait(std::chrono::seconds(30)));
                               });
        }
        for (auto& p : procs) p.start();
        for (int i = 0; i < warmup; ++i) static_cast<void>(barrier.wait(std::chrono::seconds(30)));
        const auto t0 = bench::now_ns();
        for (int i = 0; i < n; ++i) static_cast<void>(barrier.wait(std::chrono::seconds(30)));
        const auto t1 = bench::now_ns();
        for (auto& p : procs) {
            if (!p.join(std::chrono::seconds(30)) || p.exitcode() != 0)
                throw std::runtime_error("a party failed or did not exit");
        }
        bench::emit({static_cast<double>(t1 - t0) / 1e3 / n,
                     "us",
                     n,
                     "mpact::Barrier(3), the parent and 2 forked children; mean per cycle",
                     {}});
    });
}
