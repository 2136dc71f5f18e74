#pragma once
// actor_rtt_ipc and actor_rtt_ipc_nospin: request/reply round trips to an Echo actor in
// another process (a forkserver child hosting it), over ipc. Median and p99 in us. One
// binary includes this once (it registers the actor).
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <chrono>
#include <stdexcept>
#include <vector>

namespace bench_actor_rtt {

struct Ping {
    int i = 0;
    MSGPACK_DEFINE(i)
};
struct Echo : mpact::Actor {
    Echo() {
        handle([](const Ping& p) { return p.i; });
    }
};

inline int figure(int argc, char** argv, mpact::InitOptions options, const char* label) {
    mpact::init(argc, argv, options);
    return bench::run(argc, argv, [label](const bench::Options& opt) {
        using namespace std::chrono_literals;
        auto [echo, process] = mpact::spawn_process<Echo>("echo");
        const int n = opt.pick(20000, 2000);
        std::vector<double> us;
        for (int i = 0; i < n + 200; ++i) {
            const auto t0 = bench::now_ns();
            if (echo.request<int>(Ping{i}, 5s) != i) throw std::runtime_error("wrong reply");
            const auto t1 = bench::now_ns();
            if (i >= 200) us.push_back(static_cast<double>(t1 - t0) / 1e3);
        }
        echo.stop(5s);
        process.join();
        bench::emit({bench::median(us), "us", n, label, {{"p99", bench::percentile(us, 0.99)}}});
    });
}

}  // namespace bench_actor_rtt

MPACT_ACTOR(bench_actor_rtt::Echo);
