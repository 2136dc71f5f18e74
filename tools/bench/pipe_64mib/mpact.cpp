// pipe_64mib — mpact: one 64 MiB bytes object through mpact::pipe() to another process,
// received as an mpact::Bytes (Python's bytes; its storage is recycled within the process).
// pipe_64mib_vector is the same into a std::vector<char>. The measurement is
// common/mpact_big_message.hpp.
#include <mpact_big_message.hpp>

MPACT_TASK(bench_big::pipe_receiver<mpact::Bytes>);

int main(int argc, char** argv) {
    return bench_big::pipe_main<mpact::Bytes>(argc, argv, "mpact::Bytes");
}
