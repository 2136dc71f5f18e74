// queue_64mib — mpact: one 64 MiB bytes object through an mpact::Queue to a child, as an
// mpact::Bytes (Python's bytes). queue_64mib_string is the same with std::string. The
// measurement is common/mpact_big_message.hpp.
#include <mpact_big_message.hpp>

int main(int argc, char** argv) {
    return bench_big::queue_main<mpact::Bytes>(argc, argv, "mpact::Bytes");
}
