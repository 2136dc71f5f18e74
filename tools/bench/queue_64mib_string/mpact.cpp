// queue_64mib_string — mpact: queue_64mib with a std::string, whose storage is fresh memory
// from the kernel on every get() (no target; reported). The measurement is
// common/mpact_big_message.hpp.
#include <mpact_big_message.hpp>

int main(int argc, char** argv) {
    return bench_big::queue_main<std::string>(argc, argv, "string");
}
