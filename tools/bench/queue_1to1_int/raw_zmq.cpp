// queue_1to1_int — raw ZeroMQ floor: one producer -> broker -> one consumer, int items.
// The relay itself is common/zmq_relay.hpp (shared by every queue_* figure).
#include "zmq_relay.hpp"

int main(int argc, char** argv) {
    return bench::run(argc, argv, [](const bench::Options& opt) {
        bench::relay_contender(opt, {.producers = 1, .consumers = 1, .item_size = 8}, 1'000'000,
                               100'000);
    });
}
