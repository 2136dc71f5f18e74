// actor_oneway_ipc — mpact: one-way sends to an actor in another process, counted by the
// actor; the clock stops when a final request confirms every message was handled. msgs/s.
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <chrono>

namespace {
struct Tick {
    int i = 0;
    MSGPACK_DEFINE(i)
};
struct Count {
    MSGPACK_DEFINE()
};
struct Counter : mpact::Actor {
    long seen = 0;
    Counter() {
        handle([this](const Tick&) { ++seen; });
        handle([this](const Count&) { return seen; });
    }
};
}  // namespace
MPACT_ACTOR(Counter);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [](const bench::Options& opt) {
        using namespace std::chrono_literals;
        auto [counter, process] = mpact::spawn_process<Counter>("counter");
        const int n = opt.pick(1000000, 100000);
        const auto t0 = bench::now_ns();
        for (int i = 0; i < n; ++i) counter.send(Tick{i});
        const long seen = counter.request<long>(Count{}, 60s);
        const auto t1 = bench::now_ns();
        if (seen != n) throw std::runtime_error("messages lost");
        counter.stop(5s);
        process.join();
        bench::emit({n * 1e9 / static_cast<double>(t1 - t0),
                     "msgs/s",
                     n,
                     "ActorRef::send of a small struct, counted by the actor",
                     {}});
    });
}
