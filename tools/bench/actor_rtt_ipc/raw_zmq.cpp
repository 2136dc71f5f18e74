// actor_rtt_ipc — raw ZeroMQ floor: request/reply round trip between two processes.
//
// A forked child echoes over a PAIR socket on ipc://; the parent sends one 4-byte message
// and waits for the echo, N times. Reports the median round trip in microseconds and the
// p99. Also the zmq peer of pipe_rtt and apply_async_rtt (the driver reuses this program).
#include "bench_util.hpp"

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
            zmq::message_t msg;
            // An empty message means "stop".
            while (sock.recv(msg) && msg.size() != 0) {
                sock.send(msg, zmq::send_flags::none);
            }
            return 0;
        });

        zmq::context_t ctx;  // created after fork: a context must not cross fork()
        zmq::socket_t sock(ctx, zmq::socket_type::pair);
        sock.set(zmq::sockopt::linger, 0);
        sock.bind(endpoint);

        std::vector<double> rtt_us;
        rtt_us.reserve(static_cast<std::size_t>(n));
        zmq::message_t reply;
        for (int i = 0; i < warmup + n; ++i) {
            const std::uint32_t payload = static_cast<std::uint32_t>(i);
            const std::int64_t t0 = bench::now_ns();
            sock.send(zmq::buffer(&payload, sizeof payload), zmq::send_flags::none);
            if (!sock.recv(reply)) throw std::runtime_error("recv interrupted");
            const std::int64_t t1 = bench::now_ns();
            if (i >= warmup) rtt_us.push_back(static_cast<double>(t1 - t0) / 1e3);
        }
        sock.send(zmq::message_t{}, zmq::send_flags::none);
        echo.join();  // keep our socket open until the child got "stop" and left

        bench::emit({.value = bench::median(rtt_us),
                     .unit = "us",
                     .n = n,
                     .note = "cppzmq PAIR over ipc://, 4-byte message echoed by a forked child; "
                             "median round trip",
                     .extra = {{"p99", bench::percentile(rtt_us, 0.99)}}});
    });
}
