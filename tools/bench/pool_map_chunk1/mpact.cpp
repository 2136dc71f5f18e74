// pool_map_chunk1 — mpact: pool.map(identity, 0..n) with chunksize=1 on a warm
// mpact::Pool(cpu_count) (20000 ints); median of 3 maps, in tasks/s.
#include <pool_bench.hpp>

int main(int argc, char** argv) {
    return bench_pool::map_figure(argc, argv, 20000, 2000, 1, "chunksize=1");
}
