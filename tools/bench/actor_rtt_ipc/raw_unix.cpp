// actor_rtt_ipc — raw Unix socket: the OS floor, a socketpair ping-pong in C++ with the same
// adaptive 50 us busy-poll as mpact's default (common/unix_rtt.hpp).
#include <unix_rtt.hpp>

int main(int argc, char** argv) {
    return bench_unix::rtt_figure(argc, argv, 50000,
                                  "Unix socketpair ping-pong, adaptive 50 us spin");
}
