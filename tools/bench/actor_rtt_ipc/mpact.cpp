// actor_rtt_ipc — mpact: request/reply round trip to an actor in another process (forkserver
// child hosting it), over ipc; median and p99 in us.
#include <actor_rtt.hpp>

int main(int argc, char** argv) {
    return bench_actor_rtt::figure(argc, argv, {},
                                   "ActorRef::request to an actor in another process");
}
