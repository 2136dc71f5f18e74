// pool_map_default — mpact: pool.map(identity, 0..n) with default chunksize on a warm
// mpact::Pool(cpu_count) (200000 ints); median of 3 maps, in tasks/s.
#include <pool_bench.hpp>

int main(int argc, char** argv) {
    return bench_pool::map_figure(argc, argv, 200000, 20000, 0, "default chunksize");
}
