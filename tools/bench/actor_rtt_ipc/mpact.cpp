// actor_rtt_ipc — mpact: request/reply round trip to an actor in another process (forkserver
// child hosting it), over ipc; median and p99 in us.
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <chrono>
#include <vector>

namespace {
struct Ping {
    int i = 0;
    MSGPACK_DEFINE(i)
};
struct Echo : mpact::Actor {
    Echo() {
        handle([](const Ping& p) { return p.i; });
    }
};
}  // namespace
MPACT_ACTOR(Echo);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
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
        bench::emit({bench::median(us),
                     "us",
                     n,
                     "ActorRef::request to an actor in another process",
                     {{"p99", bench::percentile(us, 0.99)}}});
    });
}
