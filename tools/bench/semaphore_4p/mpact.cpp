// semaphore_4p — mpact: 4 forked processes each loop acquire() + release() on one
// mpact::Semaphore(2) (its actor in the parent). Total pairs per second, from go to the last
// process done.
#include <mpact/mpact.hpp>
#include <mpact/sync.hpp>

#include <bench_util.hpp>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        constexpr int kProcs = 4;
        const int rounds = opt.pick(5000, 300);
        mpact::Semaphore sem{2};
        const bench::TokenPipe ready, go, done;
        std::vector<mpact::Process> procs;
        for (int p = 0; p < kProcs; ++p) {
            procs.emplace_back(mpact::ProcessOptions{.start_method = mpact::StartMethod::fork},
                               [&] {
                                   ready.post();
                                   go.take();
                                   for (int i = 0; i < rounds; ++i) {
                                       sem.lock();
                                       sem.unlock();
                                   }
                                   const std::int64_t t = bench::now_ns();
                                   done.write_record(&t, sizeof t);
                               });
        }
        for (auto& p : procs) p.start();
        for (int p = 0; p < kProcs; ++p) ready.take();
        const auto t0 = bench::now_ns();
        go.post(kProcs);
        std::int64_t t_end = t0;
        for (int p = 0; p < kProcs; ++p) {
            std::int64_t t = 0;
            done.read_record(&t, sizeof t, std::chrono::seconds(120));
            t_end = std::max(t_end, t);
        }
        for (auto& p : procs) {
            if (!p.join(std::chrono::seconds(30)) || p.exitcode() != 0)
                throw std::runtime_error("a worker failed or did not exit");
        }
        const int total = rounds * kProcs;
        bench::emit({static_cast<double>(total) * 1e9 / static_cast<double>(t_end - t0),
                     "ops/s",
                     total,
                     "mpact::Semaphore(2), 4 forked processes x " + std::to_string(rounds) +
                         " acquire()+release() pairs, go to last done",
                     {}});
    });
}
