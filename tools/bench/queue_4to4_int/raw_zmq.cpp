// queue_4to4_int — raw ZeroMQ floor: four producers -> broker -> four consumers, int items.
// The relay itself is common/zmq_relay.hpp (shared by every queue_* figure).
#include "zmq_relay.hpp"

int main(int argc, char** argv) {
    return bench::run(argc, argv, [](const bench::Options& opt) {
        bench::relay_contender(opt, {.producers = 4, .consumers = 4, .item_size = 8}, 1'000'000,
                               100'000);
    });
}
