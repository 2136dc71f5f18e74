// manager_list_append — mpact: l.append(i) on a Manager list<int> (one-way), N times, then
// l.size() (a round trip, after every append). Appends per second over the whole run.
#include <mpact/manager.hpp>
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <stdexcept>

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const int n = opt.pick(200000, 10000);
        mpact::Manager m;
        auto l = m.list<int>();
        const auto t0 = bench::now_ns();
        for (int i = 0; i < n; ++i) l.append(i);
        if (l.size() != static_cast<std::size_t>(n)) throw std::runtime_error("lost appends");
        const double s = static_cast<double>(bench::now_ns() - t0) / 1e9;
        bench::emit({n / s,
                     "ops/s",
                     n,
                     "Manager list: l.append(i) one-way, then l.size() sees them all",
                     {}});
    });
}
