// actor_rtt_ipc_nospin — mpact: actor_rtt_ipc with the process-wide busy-poll off
// (mpact::init {.spin = 0us}, inherited by the actor's process): every wait sleeps at once.
// Median and p99 in us; no target (the host's wake-up cost, visible).
#include <actor_rtt.hpp>

int main(int argc, char** argv) {
    using namespace std::chrono_literals;
    return bench_actor_rtt::figure(argc, argv, {.spin = 0us},
                                   "ActorRef::request, spin 0 (blocking waits)");
}
