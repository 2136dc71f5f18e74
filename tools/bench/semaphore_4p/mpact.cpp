// semaphore_4p — mpact: 4 forked processes each loop acquire() + release() on one
// mpact::Semaphore(2) (its actor in the parent). Total pairs per second, from go to the last
// process done.
#include <mpact_counting.hpp>

#include <string>

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        constexpr int kProcs = 4;
        const int rounds = opt.pick(5000, 300);
        mpact::Semaphore sem{2};
        auto run = bench_counting::run_parties(kProcs, [&](std::vector<double>&) {
            for (int i = 0; i < rounds; ++i) {
                sem.lock();
                sem.unlock();
            }
        });
        const int total = rounds * kProcs;
        bench::emit({static_cast<double>(total) * 1e9 / static_cast<double>(run.elapsed_ns),
                     "ops/s",
                     total,
                     "mpact::Semaphore(2), 4 forked processes x " + std::to_string(rounds) +
                         " acquire()+release() pairs, go to last done",
                     {}});
    });
}
