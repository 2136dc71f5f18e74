#pragma once
// The raw ZeroMQ round-trip floor of actor_rtt_ipc and actor_rtt_tcp: a PAIR echo and the
// timed ping-pong, the transport (ipc, tcp + CURVE) being the caller's choice.
#include "bench_util.hpp"

#include <zmq.hpp>

#include <cstdint>
#include <stdexcept>
#include <vector>

namespace bench {

// Echoes every message until an empty one ("stop").
inline void pair_echo(zmq::socket_t& sock) {
    zmq::message_t msg;
    while (sock.recv(msg) && msg.size() != 0) sock.send(msg, zmq::send_flags::none);
}

// Sends a 4-byte message and waits for its echo, warmup + n times; the last n round trips
// in microseconds. Then tells the echo to stop.
inline std::vector<double> pair_round_trips(zmq::socket_t& sock, int warmup, int n) {
    std::vector<double> rtt_us;
    rtt_us.reserve(static_cast<std::size_t>(n));
    zmq::message_t reply;
    for (int i = 0; i < warmup + n; ++i) {
        const std::uint32_t payload = static_cast<std::uint32_t>(i);
        const std::int64_t t0 = now_ns();
        sock.send(zmq::buffer(&payload, sizeof payload), zmq::send_flags::none);
        if (!sock.recv(reply)) throw std::runtime_error("recv interrupted");
        const std::int64_t t1 = now_ns();
        if (i >= warmup) rtt_us.push_back(static_cast<double>(t1 - t0) / 1e3);
    }
    sock.send(zmq::message_t{}, zmq::send_flags::none);
    return rtt_us;
}

}  // namespace bench
