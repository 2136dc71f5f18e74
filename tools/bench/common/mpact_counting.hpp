// Forked processes released together on one go: the mpact side of lock_contended_2p,
// value_locked_increment, value_add_oneway (two processes counting into one Value<int>) and
// semaphore_4p. Each child reports ready, waits for go, runs `body` and writes its end
// stamp; the parent stamps go and returns (go -> last end, the first child's per-call
// waits).
#pragma once
#include <mpact/mpact.hpp>
#include <mpact/sync.hpp>

#include <bench_util.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <vector>

namespace bench_counting {

struct Run {
    std::int64_t elapsed_ns = 0;
    std::vector<double> waits_us;  // from the first child, if `body` filled them
};

// `body(waits)` is one child's whole loop; it may append per-call waits in microseconds.
inline Run run_parties(int n, const std::function<void(std::vector<double>&)>& body) {
    const bench::TokenPipe ready, go, done, waits;
    std::vector<mpact::Process> procs;
    for (int c = 0; c < n; ++c) {
        procs.emplace_back(mpact::ProcessOptions{.start_method = mpact::StartMethod::fork}, [&, c] {
            ready.post();
            go.take();
            std::vector<double> mine;
            body(mine);
            const std::int64_t t = bench::now_ns();
            done.write_record(&t, sizeof t);
            if (c != 0) return;
            const std::int64_t count = static_cast<std::int64_t>(mine.size());
            waits.write_record(&count, sizeof count);
            for (double w : mine) waits.write_record(&w, sizeof w);
        });
    }
    for (auto& p : procs) p.start();
    for (int c = 0; c < n; ++c) ready.take();
    const auto t0 = bench::now_ns();
    go.post(n);
    Run run;
    std::int64_t t_end = t0;
    for (int c = 0; c < n; ++c) {
        std::int64_t t = 0;
        done.read_record(&t, sizeof t, std::chrono::seconds(120));
        t_end = std::max(t_end, t);
    }
    std::int64_t count = 0;
    waits.read_record(&count, sizeof count, std::chrono::seconds(30));
    for (std::int64_t i = 0; i < count; ++i) {
        double w = 0;
        waits.read_record(&w, sizeof w, std::chrono::seconds(30));
        run.waits_us.push_back(w);
    }
    for (auto& p : procs) {
        if (!p.join(std::chrono::seconds(30)) || p.exitcode() != 0)
            throw std::runtime_error("a counting process failed or did not exit");
    }
    run.elapsed_ns = t_end - t0;
    return run;
}

inline void check_total(const mpact::Value<int>& v, int expected) {
    if (v.load() != expected) throw std::runtime_error("lost updates");
}

}  // namespace bench_counting
