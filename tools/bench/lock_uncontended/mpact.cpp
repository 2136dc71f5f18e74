// lock_uncontended — mpact: lock() + unlock() of an mpact::Lock in the process that created
// it, nobody else wanting it. Each is a request to the Lock's actor (no lease caching yet, so
// two round trips per pair, within the process). Operations (pairs) per second.
#include <mpact/mpact.hpp>
#include <mpact/sync.hpp>

#include <bench_util.hpp>

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const int n = opt.pick(20000, 2000);
        mpact::Lock lock;
        for (int i = 0; i < 200; ++i) {
            lock.lock();
            lock.unlock();
        }
        const auto t0 = bench::now_ns();
        for (int i = 0; i < n; ++i) {
            lock.lock();
            lock.unlock();
        }
        const auto t1 = bench::now_ns();
        bench::emit({static_cast<double>(n) * 1e9 / static_cast<double>(t1 - t0),
                     "ops/s",
                     n,
                     "mpact::Lock, lock()+unlock() pairs in the creating process, uncontended "
                     "(two requests to its actor per pair: no lease caching yet)",
                     {}});
    });
}
