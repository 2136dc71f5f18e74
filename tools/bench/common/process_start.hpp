// The process_start_<method> figures' mpact contender: median start()+join() of a Process
// running a no-op task, in ms. Each figure's mpact.cpp names its start method.
#pragma once
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <string>
#include <vector>

namespace bench_process_start {
inline void noop() {}
MPACT_TASK(noop);

inline int run(int argc, char** argv, mpact::StartMethod method) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [method](const bench::Options& opt) {
        const int n = opt.pick(200, 20);
        std::vector<double> ms;
        for (int i = 0; i < n + 3; ++i) {
            const auto t0 = bench::now_ns();
            mpact::Process p({.start_method = method}, noop);
            p.start();
            p.join();
            const auto t1 = bench::now_ns();
            if (p.exitcode() != 0) throw std::runtime_error("child failed");
            if (i >= 3) ms.push_back(static_cast<double>(t1 - t0) / 1e6);  // first starts warm up
        }
        bench::emit({bench::median(ms),
                     "ms",
                     n,
                     std::string("Process({.start_method = ") + mpact::to_string(method) +
                         "}, noop): start()+join(), median",
                     {}});
    });
}
}  // namespace bench_process_start
