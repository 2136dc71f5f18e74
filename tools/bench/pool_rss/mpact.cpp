// pool_rss — mpact: the parent's peak RSS (VmHWM, MiB) while imap_unordered(identity, 0..n)
// runs with chunksize 1 on a warm mpact::Pool(cpu_count) and every result is consumed; the
// note lists VmRSS after each tenth of the results, to show it does not grow with completed
// tasks. n = 300,000 (30,000 under --quick); MPACT_BENCH_TASKS=<n> overrides it.
#include <bench_util.hpp>

#include <mpact/mpact.hpp>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {
int identity(int x) {
    return x;
}
MPACT_TASK(identity);

// A field of /proc/self/status ("VmRSS", "VmHWM") in MiB.
double status_mib(const std::string& field) {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024;
    }
    throw std::runtime_error("no " + field + " in /proc/self/status");
}

std::string fixed1(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", x);
    return buf;
}
}  // namespace

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        int n = opt.pick(300000, 30000);
        if (const char* env = std::getenv("MPACT_BENCH_TASKS")) n = std::stoi(env);
        const int processes = static_cast<int>(std::thread::hardware_concurrency());
        mpact::Pool pool{{.processes = processes}};
        std::vector<int> warm(1000);
        for (auto it = pool.imap_unordered(identity, warm); it.next();) {
        }
        const double before = status_mib("VmRSS");
        std::vector<int> xs(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) xs[static_cast<std::size_t>(i)] = i;
        std::string series;
        const auto t0 = bench::now_ns();
        int count = 0;
        for (auto it = pool.imap_unordered(identity, xs); it.next();) {
            if (++count % (n / 10 == 0 ? 1 : n / 10) == 0)
                series += " " + fixed1(status_mib("VmRSS"));
        }
        const auto t1 = bench::now_ns();
        if (count != n) throw std::runtime_error("imap_unordered lost results");
        const double peak = status_mib("VmHWM");
        pool.close();
        pool.join();
        bench::emit({peak,
                     "MiB",
                     n,
                     "mpact::Pool(" + std::to_string(processes) +
                         "), imap_unordered(identity, 0.." + std::to_string(n) +
                         "), chunksize=1, in " + fixed1(static_cast<double>(t1 - t0) / 1e9) +
                         " s; VmRSS MiB before " + fixed1(before) +
                         ", after each 10% consumed:" + series,
                     {}});
    });
}
