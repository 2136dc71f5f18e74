// pipe_64mib — mpact: one 64 MiB bytes object (mpact::Bytes, Python's bytes) through
// mpact::pipe() to another process. pipe_64mib_vector is the same with std::vector<char>.
//
// As the Python contender: the parent stamps before send(); the child (forkserver) stamps
// when recv() returns the whole mpact::Bytes and sends the stamp back (one
// CLOCK_MONOTONIC for both). Median of a few transfers, in GB/s (1e9 bytes/s), msgpack
// encoding and decoding included, as a user pays it.
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace {
constexpr std::size_t size = std::size_t{64} << 20;

void receiver(mpact::Connection conn) {
    while (true) {
        auto data = conn.recv<mpact::Bytes>();
        const std::int64_t stamp = bench::now_ns();
        if (data.empty()) return;  // Python's None
        if (data.size() != size) throw std::runtime_error("wrong size");
        conn.send(stamp);
    }
}
}  // namespace
MPACT_TASK(receiver);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        using namespace std::chrono_literals;
        const int reps = opt.pick(5, 2);
        auto [here, there] = mpact::pipe();
        mpact::Process child{receiver, there};
        child.start();
        there.close();
        mpact::Bytes payload = mpact::Bytes::for_overwrite(size);
        std::fill(payload.begin(), payload.end(), 'x');
        std::vector<double> gbps;
        for (int i = 0; i < 1 + reps; ++i) {  // the first transfer warms up the child
            const std::int64_t t0 = bench::now_ns();
            here.send(payload);
            const auto t1 = here.recv<std::int64_t>(30s);
            if (i > 0) gbps.push_back(static_cast<double>(size) / static_cast<double>(t1 - t0));
        }
        here.send(mpact::Bytes());
        if (!child.join(10s)) {
            child.kill();
            child.join();
        }
        bench::emit({bench::median(gbps), "GB/s", reps,
                     "mpact::pipe() send()/recv<mpact::Bytes>() of one 64 MiB bytes object "
                     "to a child (forkserver), msgpack included, send start to receive complete; "
                     "median of transfers"});
    });
}
