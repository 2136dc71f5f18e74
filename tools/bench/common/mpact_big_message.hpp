// The 64 MiB figures' mpact contenders: one 64 MiB bytes object from the parent to a child
// through an mpact::pipe() (pipe_64mib*) or an mpact::Queue (queue_64mib*), received as
// `Blob` (mpact::Bytes, std::vector<char>, std::string) — the same work and timing as
// common/big_message.py (Python).
//
// The parent stamps before send()/put(); the child stamps when recv()/get() returns the
// whole value and sends the stamp back (one CLOCK_MONOTONIC for both). Median of a few
// transfers after one warm-up, in GB/s (1e9 bytes/s), msgpack included, as a user pays it.
#pragma once
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace bench_big {

inline constexpr std::size_t kSize = std::size_t{64} << 20;

template <class Blob>
Blob payload() {
    if constexpr (std::is_same_v<Blob, mpact::Bytes>) {
        auto out = mpact::Bytes::for_overwrite(kSize);
        std::fill(out.begin(), out.end(), 'x');
        return out;
    } else {
        return Blob(kSize, 'x');
    }
}

/// The pipe's child (forkserver): register it with MPACT_TASK(bench_big::pipe_receiver<Blob>).
template <class Blob>
void pipe_receiver(mpact::Connection conn) {
    while (true) {
        auto data = conn.recv<Blob>();
        const std::int64_t stamp = bench::now_ns();
        if (data.empty()) return;  // Python's None
        if (data.size() != kSize) throw std::runtime_error("wrong size");
        conn.send(stamp);
    }
}

inline double gb_per_s(std::int64_t t0, std::int64_t t1) {
    return static_cast<double>(kSize) / static_cast<double>(t1 - t0);
}

template <class Blob>
int pipe_main(int argc, char** argv, const std::string& what) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [&](const bench::Options& opt) {
        using namespace std::chrono_literals;
        const int reps = opt.pick(5, 2);
        auto [here, there] = mpact::pipe();
        mpact::Process child{pipe_receiver<Blob>, there};
        child.start();
        there.close();
        const Blob data = payload<Blob>();
        std::vector<double> gbps;
        for (int i = 0; i < 1 + reps; ++i) {  // the first transfer warms up the child
            const std::int64_t t0 = bench::now_ns();
            here.send(data);
            const auto t1 = here.recv<std::int64_t>(30s);
            if (i > 0) gbps.push_back(gb_per_s(t0, t1));
        }
        here.send(Blob());
        if (!child.join(10s)) {
            child.kill();
            child.join();
        }
        bench::emit({bench::median(gbps), "GB/s", reps,
                     "mpact::pipe() send()/recv<" + what +
                         ">() of one 64 MiB bytes object to a child (forkserver), msgpack "
                         "included, send start to receive complete; median of transfers"});
    });
}

template <class Blob>
int queue_main(int argc, char** argv, const std::string& what) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [&](const bench::Options& opt) {
        const int reps = opt.pick(5, 2);
        mpact::Queue<Blob> queue;  // an empty one ends the child (Python's contender sends None)
        const bench::TokenPipe stamps;
        mpact::Process child({.start_method = mpact::StartMethod::fork}, [&] {
            for (auto data = queue.get(); !data.empty(); data = queue.get()) {
                const std::int64_t stamp = bench::now_ns();
                if (data.size() != kSize) throw std::runtime_error("got the wrong size");
                stamps.write_record(&stamp, sizeof stamp);
            }
        });
        child.start();
        const Blob data = payload<Blob>();
        std::vector<double> gbps;
        for (int i = 0; i < 1 + reps; ++i) {  // the first transfer warms up
            const auto t0 = bench::now_ns();
            queue.put(data);
            std::int64_t t1 = 0;
            stamps.read_record(&t1, sizeof t1, std::chrono::seconds(60));
            if (i > 0) gbps.push_back(gb_per_s(t0, t1));
        }
        queue.put(Blob());
        if (!child.join(std::chrono::seconds(30)) || child.exitcode() != 0) {
            throw std::runtime_error("the receiving child failed");
        }
        bench::emit({bench::median(gbps),
                     "GB/s",
                     reps,
                     "mpact::Queue put()/get() of one 64 MiB " + what +
                         " to a child (fork), send start to receive complete; median of "
                         "transfers",
                     {}});
    });
}

}  // namespace bench_big
