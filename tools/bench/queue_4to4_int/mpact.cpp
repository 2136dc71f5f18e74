// queue_4to4_int — mpact: four producer processes -> mpact::Queue -> four consumer
// processes, int items (the measurement is common/mpact_queue.hpp).
#include <mpact_queue.hpp>

int main(int argc, char** argv) {
    return bench_queue::main<int>(argc, argv, 4, 4, 1'000'000, 100'000, "small ints");
}
