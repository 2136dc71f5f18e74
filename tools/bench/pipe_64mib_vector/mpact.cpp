// pipe_64mib_vector — mpact: pipe_64mib received as a std::vector<char>, whose storage is
// fresh memory from the kernel on every receive (no target; reported). The measurement is
// common/mpact_big_message.hpp.
#include <mpact_big_message.hpp>

MPACT_TASK(bench_big::pipe_receiver<std::vector<char>>);

int main(int argc, char** argv) {
    return bench_big::pipe_main<std::vector<char>>(argc, argv, "std::vector<char>");
}
