// pipe_rtt — mpact: round trip of a small int over mpact::pipe() (the defaults: a receive
// busy-polls up to 20 us, adaptively, before it sleeps) between two processes (a forkserver
// child echoes, as Python's child does with fork); median and p99 in us.
#include <pipe_rtt.hpp>

int main(int argc, char** argv) {
    return bench_pipe::rtt_figure(argc, argv, {}, "");
}
