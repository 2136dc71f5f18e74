// actor_oneway_ipc — raw ZeroMQ floor: one-way small-message throughput between processes.
//
// A forked child PUSHes N 8-byte messages over ipc://; the parent PULLs them and counts.
// Rate = (N - 1) / (time of the last message - time of the first), taken at the receiver.
// The sender keeps its socket open until the receiver has counted everything (design.md
// §9.1: closing right after the last send can lose messages over ipc://).
#include "bench_util.hpp"

#include <zmq.hpp>

#include <cstdint>

int main(int argc, char** argv) {
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const std::int64_t n = opt.pick<std::int64_t>(1'000'000, 100'000);
        const bench::ScratchDir dir;
        const std::string endpoint = dir.ipc("oneway");
        const bench::TokenPipe done;  // receiver -> sender: "all counted, you may close"

        bench::Child sender([&] {
            zmq::context_t ctx;
            zmq::socket_t push(ctx, zmq::socket_type::push);
            push.connect(endpoint);
            for (std::int64_t i = 0; i < n; ++i) {
                push.send(zmq::buffer(&i, sizeof i), zmq::send_flags::none);
            }
            done.take();
            push.set(zmq::sockopt::linger, 0);
            return 0;
        });

        zmq::context_t ctx;
        zmq::socket_t pull(ctx, zmq::socket_type::pull);
        pull.bind(endpoint);

        zmq::message_t msg;
        std::int64_t first = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            if (!pull.recv(msg)) throw std::runtime_error("recv interrupted");
            if (i == 0) first = bench::now_ns();
        }
        const std::int64_t last = bench::now_ns();
        done.post();
        sender.join();

        bench::emit({.value = static_cast<double>(n - 1) * 1e9 / static_cast<double>(last - first),
                     .unit = "msgs/s",
                     .n = n,
                     .note = "cppzmq PUSH->PULL over ipc://, 8-byte messages, counted at the "
                             "receiver from first to last message"});
    });
}
