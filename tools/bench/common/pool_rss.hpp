// The pool_rss figures' mpact body (pool_rss: 300,000 tasks beside Python's; pool_rss_3m:
// 3,000,000, mpact alone): the parent's peak RSS (VmHWM, MiB) while
// imap_unordered(identity, std::views::iota(0, n)) runs with chunksize 1 on a warm
// mpact::Pool(cpu_count) and every result is consumed. The input is a lazy view, as Python's
// range(n): the pool reads it as results are taken (its default window, 1024 x processes
// tasks). The note lists VmRSS after each tenth of the results, to show it is flat in n.
// MPACT_BENCH_TASKS=<n> overrides n.
#pragma once
#include <pool_bench.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <ranges>
#include <stdexcept>
#include <string>

namespace bench_pool {

/// A field of /proc/self/status ("VmRSS", "VmHWM") in MiB.
inline double status_mib(const std::string& field) {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024;
    }
    throw std::runtime_error("no " + field + " in /proc/self/status");
}

inline std::string fixed1(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", x);
    return buf;
}

inline int rss_figure(int argc, char** argv, int full, int quick) {
    return run(
        argc, argv, [&](const bench::Options& opt, mpact::Pool& pool, const std::string& name) {
            int n = opt.pick(full, quick);
            if (const char* env = std::getenv("MPACT_BENCH_TASKS")) n = std::stoi(env);
            const double before = status_mib("VmRSS");
            const int step = n / 10 == 0 ? 1 : n / 10;
            std::string series;
            const auto t0 = bench::now_ns();
            int count = 0;
            for (auto it = pool.imap_unordered(identity, std::views::iota(0, n)); it.next();) {
                if (++count % step == 0) series += " " + fixed1(status_mib("VmRSS"));
            }
            const auto t1 = bench::now_ns();
            if (count != n) throw std::runtime_error("imap_unordered lost results");
            return bench::Result{
                status_mib("VmHWM"),
                "MiB",
                n,
                name + ", imap_unordered(identity, views::iota(0, " + std::to_string(n) +
                    ")), chunksize=1, read lazily (default buffersize), in " +
                    fixed1(static_cast<double>(t1 - t0) / 1e9) + " s; VmRSS MiB before " +
                    fixed1(before) + ", after each 10% consumed:" + series,
                {}};
        });
}

}  // namespace bench_pool
