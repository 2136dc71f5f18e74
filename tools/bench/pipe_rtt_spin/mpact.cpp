// pipe_rtt_spin — mpact: pipe_rtt with the opt-in busy-poll, mpact::pipe({.spin = 20us}):
// each receive polls the socket for up to 20 us before it sleeps, in both processes (the
// child's end keeps the setting). Median and p99 in us; the peers are pipe_rtt's.
#include <pipe_rtt.hpp>

int main(int argc, char** argv) {
    using namespace std::chrono_literals;
    return bench_pipe::rtt_figure(argc, argv, {.duplex = true, .spin = 20us}, "{.spin = 20us}");
}
