// queue_1to1_64b — raw ZeroMQ floor: one producer -> broker -> one consumer, 64-byte items.
// The relay itself is common/zmq_relay.hpp (shared by every queue_* figure).
#include "zmq_relay.hpp"

int main(int argc, char** argv) {
    return bench::run(argc, argv, [](const bench::Options& opt) {
        bench::relay_contender(opt, {.producers = 1, .consumers = 1, .item_size = 64}, 1'000'000,
                               100'000);
    });
}
