// queue_1to1_64b — mpact: one producer process -> mpact::Queue -> one consumer process,
// 64-byte string items (the measurement is common/mpact_queue.hpp).
#include <mpact_queue.hpp>

int main(int argc, char** argv) {
    return bench_queue::main<std::string>(argc, argv, 1, 1, 1'000'000, 100'000, "64-byte strings");
}
