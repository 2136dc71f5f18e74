// process_start_fork — mpact: see common/process_start.hpp.
#include <process_start.hpp>

int main(int argc, char** argv) {
    return bench_process_start::run(argc, argv, mpact::StartMethod::fork);
}
