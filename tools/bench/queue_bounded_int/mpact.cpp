// queue_bounded_int — mpact: one producer process -> mpact::Queue(maxsize=1000) -> one
// consumer process, int items: puts spend credits the broker grants in batches (the
// measurement is common/mpact_queue.hpp).
#include <mpact_queue.hpp>

int main(int argc, char** argv) {
    return bench_queue::main<int>(argc, argv, 1, 1, 1'000'000, 100'000, "small ints", 1000);
}
