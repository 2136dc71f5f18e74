// actor_rtt_ipc — raw ZeroMQ floor: request/reply round trip between two processes.
//
// A forked child echoes over a PAIR socket on ipc://; the parent sends one 4-byte message
// and waits for the echo, N times. Reports the median round trip in microseconds and the
// p99. Also the zmq peer of pipe_rtt and apply_async_rtt (the driver reuses this program).
#include "zmq_rtt.hpp"

#include <zmq.hpp>

#include <cstdint>
#include <vector>

int main(int argc, char** argv) {
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const int warmup = opt.pick(1000, 200);
        const int n = opt.pick(20000, 2000);
        const bench::ScratchDir dir;
        const std::string endpoint = dir.ipc("rtt");

        bench::Child echo([&] {
            zmq::context_t ctx;
            zmq::socket_t sock(ctx, zmq::socket_type::pair);
            sock.connect(endpoint);
            bench::pair_echo(sock);
            return 0;
        });

        zmq::context_t ctx;  // created after fork: a context must not cross fork()
        zmq::socket_t sock(ctx, zmq::socket_type::pair);
        sock.set(zmq::sockopt::linger, 0);
        sock.bind(endpoint);

        auto rtt_us = bench::pair_round_trips(sock, warmup, n);
        echo.join();  // keep our socket open until the child got "stop" and left

        bench::emit({.value = bench::median(rtt_us),
                     .unit = "us",
                     .n = n,
                     .note = "cppzmq PAIR over ipc://, 4-byte message echoed by a forked child; "
                             "median round trip",
                     .extra = {{"p99", bench::percentile(rtt_us, 0.99)}}});
    });
}
