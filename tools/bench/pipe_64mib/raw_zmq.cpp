// pipe_64mib — raw ZeroMQ floor: one 64 MiB message from one process to another.
//
// The parent sends one 64 MiB message over a PAIR socket on ipc:// (copied from the
// caller's buffer into a zmq message, as zmq::buffer does); the forked child receives it
// and answers with its receive stamp. Transfer time = child's stamp - parent's stamp
// before the send (one CLOCK_MONOTONIC for both). Median of a few transfers, in GB/s
// (1e9 bytes/s). Also the zmq peer of queue_64mib (the driver reuses this program).
#include "bench_util.hpp"

#include <zmq.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

int main(int argc, char** argv) {
    return bench::run(argc, argv, [](const bench::Options& opt) {
        constexpr std::size_t size = std::size_t{64} << 20;
        const int reps = opt.pick(5, 2);
        const bench::ScratchDir dir;
        const std::string endpoint = dir.ipc("big");

        bench::Child receiver([&] {
            zmq::context_t ctx;
            zmq::socket_t sock(ctx, zmq::socket_type::pair);
            sock.connect(endpoint);
            zmq::message_t msg;
            for (;;) {
                if (!sock.recv(msg)) return 1;
                const std::int64_t stamp = bench::now_ns();
                if (msg.size() == 0) return 0;  // stop
                if (msg.size() != size) return 1;
                sock.send(zmq::buffer(&stamp, sizeof stamp), zmq::send_flags::none);
            }
        });

        zmq::context_t ctx;
        zmq::socket_t sock(ctx, zmq::socket_type::pair);
        sock.set(zmq::sockopt::linger, 0);
        sock.bind(endpoint);

        const std::vector<char> payload(size, 'x');
        std::vector<double> gbps;
        zmq::message_t reply;
        for (int i = 0; i < 1 + reps; ++i) {  // the first transfer warms up the connection
            const std::int64_t t0 = bench::now_ns();
            sock.send(zmq::buffer(payload), zmq::send_flags::none);
            if (!sock.recv(reply) || reply.size() != sizeof(std::int64_t)) {
                throw std::runtime_error("bad reply from the receiver");
            }
            std::int64_t t1 = 0;
            std::memcpy(&t1, reply.data(), sizeof t1);
            if (i > 0) gbps.push_back(static_cast<double>(size) / static_cast<double>(t1 - t0));
        }
        sock.send(zmq::message_t{}, zmq::send_flags::none);
        receiver.join();

        bench::emit({.value = bench::median(gbps),
                     .unit = "GB/s",
                     .n = reps,
                     .note = "cppzmq PAIR over ipc://, one 64 MiB message (copied into a zmq "
                             "message), send start to receive complete; median of transfers"});
    });
}
