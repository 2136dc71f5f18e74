// actor_rtt_tcp — raw ZeroMQ floor: request/reply round trip between two processes over
// tcp loopback with CURVE (what mpact's tcp:// links use).
//
// A forked child binds a PAIR as CURVE server on tcp://127.0.0.1:0 and echoes; the parent
// connects as CURVE client, sends one 4-byte message and waits for the echo, N times. No
// ZAP handler: libzmq then admits any client key (mpact's ZAP costs the handshake only).
// Reports the median round trip in microseconds and the p99.
#include "zmq_rtt.hpp"

#include <zmq.hpp>

#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    return bench::run(argc, argv, [](const bench::Options& opt) {
        const int warmup = opt.pick(1000, 200);
        const int n = opt.pick(20000, 2000);
        char server_public[41], server_secret[41], client_public[41], client_secret[41];
        if (zmq_curve_keypair(server_public, server_secret) != 0 ||
            zmq_curve_keypair(client_public, client_secret) != 0) {
            throw std::runtime_error("this libzmq has no CURVE");
        }
        int address_pipe[2];
        if (::pipe(address_pipe) != 0) throw std::runtime_error("pipe failed");

        bench::Child echo([&] {
            zmq::context_t ctx;
            zmq::socket_t sock(ctx, zmq::socket_type::pair);
            sock.set(zmq::sockopt::curve_server, true);
            sock.set(zmq::sockopt::curve_secretkey, std::string(server_secret, 40));
            sock.bind("tcp://127.0.0.1:0");
            auto endpoint = sock.get(zmq::sockopt::last_endpoint) + "\n";
            if (::write(address_pipe[1], endpoint.data(), endpoint.size()) < 0) return 1;
            bench::pair_echo(sock);
            return 0;
        });
        ::close(address_pipe[1]);
        std::string endpoint;
        char c = 0;
        while (::read(address_pipe[0], &c, 1) == 1 && c != '\n') endpoint += c;
        ::close(address_pipe[0]);

        zmq::context_t ctx;  // created after fork: a context must not cross fork()
        zmq::socket_t sock(ctx, zmq::socket_type::pair);
        sock.set(zmq::sockopt::linger, 0);
        sock.set(zmq::sockopt::curve_serverkey, std::string(server_public, 40));
        sock.set(zmq::sockopt::curve_publickey, std::string(client_public, 40));
        sock.set(zmq::sockopt::curve_secretkey, std::string(client_secret, 40));
        sock.connect(endpoint);

        auto rtt_us = bench::pair_round_trips(sock, warmup, n);
        echo.join();

        bench::emit({.value = bench::median(rtt_us),
                     .unit = "us",
                     .n = n,
                     .note = "cppzmq PAIR over tcp://127.0.0.1 with CURVE, 4-byte message echoed "
                             "by a forked child; median round trip",
                     .extra = {{"p99", bench::percentile(rtt_us, 0.99)}}});
    });
}
