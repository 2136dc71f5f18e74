// queue_1to1_int — mpact: one producer process -> mpact::Queue -> one consumer process,
// int items (the measurement is common/mpact_queue.hpp).
#include <mpact_queue.hpp>

int main(int argc, char** argv) {
    return bench_queue::main<int>(argc, argv, 1, 1, 1'000'000, 100'000, "small ints");
}
