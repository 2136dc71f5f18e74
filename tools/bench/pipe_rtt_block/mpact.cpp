// pipe_rtt_block — mpact: pipe_rtt with the busy-poll off, mpact::pipe({.spin = 0us}): each
// receive sleeps in the kernel at once, as Python's does, in both processes (the child's end
// keeps the setting). What the host's sleep and wake-up cost; median and p99 in us; the
// peers are pipe_rtt's.
#include <pipe_rtt.hpp>

int main(int argc, char** argv) {
    using namespace std::chrono_literals;
    return bench_pipe::rtt_figure(argc, argv, {.duplex = true, .spin = 0us}, "{.spin = 0us}");
}
