// actor_rtt_ipc_nospin — raw Unix socket: the socketpair ping-pong, blocking at once.
#include <unix_rtt.hpp>

int main(int argc, char** argv) {
    return bench_unix::rtt_figure(argc, argv, 0, "Unix socketpair ping-pong, blocking");
}
