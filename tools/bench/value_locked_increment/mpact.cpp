// value_locked_increment — mpact: two forked processes each loop
// `std::scoped_lock g(v.get_lock()); v.store(v.load() + 1);` on one Value<int> (its RLock and
// itself hosted in the parent). Total ops/s, go -> both done, total checked.
#include <mpact_counting.hpp>

#include <mutex>
#include <string>

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const int rounds = opt.pick(5000, 300);
        mpact::Value<int> v{0};
        auto run = bench_counting::run_parties(2, [&](std::vector<double>&) {
            for (int i = 0; i < rounds; ++i) {
                std::scoped_lock g(v.get_lock());
                v.store(v.load() + 1);
            }
        });
        bench_counting::check_total(v, 2 * rounds);
        bench::emit({2.0 * rounds * 1e9 / static_cast<double>(run.elapsed_ns),
                     "ops/s",
                     2 * rounds,
                     "2 forked processes x " + std::to_string(rounds) +
                         " of: scoped_lock g(v.get_lock()); v.store(v.load() + 1) (the value "
                         "travels with its lock's lease: messages only at hand-overs)",
                     {}});
    });
}
