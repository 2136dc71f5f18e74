// lock_contended_2p — mpact: two forked processes each loop lock(); v.store(v.load() + 1);
// unlock() on a Value<int>{0, {.lock = lock}} guarded by that mpact::Lock (both actors in the
// parent). Total ops/s (go -> both done, total checked) and the p99 and max wait of one
// acquire (issue #14: the lease's burst bound shows in the max). The max leaves out each
// party's first acquire, which also connects to the lock's actor (~3 ms, measured).
#include <mpact_counting.hpp>

#include <algorithm>
#include <string>

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const int rounds = opt.pick(5000, 300);
        mpact::Lock lock;
        mpact::Value<int> v{0, {.lock = lock}};  // Python: Value('i', 0, lock=lock)
        auto run = bench_counting::run_parties(2, [&](std::vector<double>& waits) {
            for (int i = 0; i < rounds; ++i) {
                const auto t0 = bench::now_ns();
                lock.lock();
                waits.push_back(static_cast<double>(bench::now_ns() - t0) / 1e3);
                v.store(v.load() + 1);
                lock.unlock();
            }
        });
        bench_counting::check_total(v, 2 * rounds);
        bench::emit({2.0 * rounds * 1e9 / static_cast<double>(run.elapsed_ns),
                     "ops/s",
                     2 * rounds,
                     "2 forked processes x " + std::to_string(rounds) +
                         " of: Lock.lock(); v.store(v.load() + 1); unlock() (v made with "
                         "{.lock = lock}: the value travels with the lock's lease; messages "
                         "only at hand-overs)",
                     {{"p99", bench::percentile(run.waits_us, 0.99)},
                      {"max", *std::max_element(run.waits_us.begin() + 1, run.waits_us.end())}}});
    });
}
