// value_add_oneway — mpact: two forked processes each send `rounds` one-way v.add(1) to one
// Value<int> (its actor in the parent); timed from go until the parent's load() returns the
// exact total. Ops/s.
#include <mpact_counting.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const int rounds = opt.pick(100000, 5000);
        mpact::Value<int> v{0, {.lock = false}};
        auto run = bench_counting::run_parties(2, [&](std::vector<double>&) {
            for (int i = 0; i < rounds; ++i) v.add(1);
            static_cast<void>(v.load());  // this process's adds have all arrived
        });
        // Each child's load() returned after its own adds were applied (one sender's messages
        // arrive in order), so at the later end stamp the total was exact; checked here.
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (v.load() != 2 * rounds) {
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("the total never arrived");
        }
        bench::emit({2.0 * rounds * 1e9 / static_cast<double>(run.elapsed_ns),
                     "ops/s",
                     2 * rounds,
                     "2 forked processes x " + std::to_string(rounds) +
                         " one-way v.add(1), go until each process's own load() after its "
                         "adds returned; the parent then checked the exact total",
                     {}});
    });
}
