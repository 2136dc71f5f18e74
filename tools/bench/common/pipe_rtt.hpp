// What the pipe round-trip figures' mpact contenders share (pipe_rtt, pipe_rtt_block): a
// small int sent over mpact::pipe(options) and echoed by a forkserver child (as Python's
// child does with fork); median and p99 in us. Only the PipeOptions differ.
#pragma once
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench_pipe {

inline void echo(mpact::Connection conn) {
    while (auto x = conn.recv<std::optional<int>>()) conn.send(*x);
}
MPACT_TASK(echo);

/// mpact::init, then bench::run: the median (and p99) round trip of send(int)/recv<int>()
/// over a pipe made with `options` (the child's end keeps them), `mode` naming them in the
/// note.
inline int rtt_figure(int argc, char** argv, mpact::PipeOptions options, const std::string& mode) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [&](const bench::Options& opt) {
        using namespace std::chrono_literals;
        const int warmup = opt.pick(1000, 200);
        const int n = opt.pick(20000, 2000);
        auto [here, there] = mpact::pipe(options);
        mpact::Process child{echo, there};
        child.start();
        there.close();
        std::vector<double> us;
        us.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < warmup + n; ++i) {
            const auto t0 = bench::now_ns();
            here.send(std::optional<int>(i));
            if (here.recv<int>() != i) throw std::runtime_error("wrong echo");
            const auto t1 = bench::now_ns();
            if (i >= warmup) us.push_back(static_cast<double>(t1 - t0) / 1e3);
        }
        here.send(std::optional<int>());  // None: the child returns
        if (!child.join(10s)) {
            child.kill();
            child.join();
        }
        bench::emit({bench::median(us),
                     "us",
                     n,
                     "mpact::pipe(" + mode +
                         ") send(int)/recv<int>() echoed by a child (forkserver); median "
                         "round trip",
                     {{"p99", bench::percentile(us, 0.99)}}});
    });
}

}  // namespace bench_pipe
