// The tutorials' comparison: Pool.map over many items against one Process per item.
//
// Python:
//     def square(x): return x * x
//     start = time.time(); Pool(4).map(square, range(N)); print('pool:', time.time() - start)
//     start = time.time()
//     procs = [Process(target=square, args=(i,)) for i in range(N)]
//     for p in procs: p.start()
//     for p in procs: p.join()
//     print('processes:', time.time() - start)
//
// A Process per item pays a process start each; the pool's workers start once and then
// take items in chunks.
#include <mpact/mpact.hpp>

#include <chrono>
#include <iostream>
#include <numeric>
#include <vector>

int square(int x) {
    return x * x;
}
MPACT_TASK(square);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    constexpr int n = 200;
    std::vector<int> xs(n);
    std::iota(xs.begin(), xs.end(), 0);

    auto start = std::chrono::steady_clock::now();
    mpact::Pool pool{{.processes = 4}};
    auto squares = pool.map(square, xs);
    pool.close();
    pool.join();
    std::chrono::duration<double> pool_time = std::chrono::steady_clock::now() - start;

    start = std::chrono::steady_clock::now();
    std::vector<mpact::Process> procs;
    for (int x : xs) procs.emplace_back(square, x);
    for (auto& p : procs) p.start();
    bool all_ok = true;
    for (auto& p : procs) {
        p.join();
        all_ok = all_ok && p.exitcode() == 0;
    }
    std::chrono::duration<double> process_time = std::chrono::steady_clock::now() - start;

    std::cout << "pool: " << pool_time.count() << " s for " << n << " items\n"
              << "processes: " << process_time.count() << " s for " << n << " processes\n"
              << "sum of squares " << std::accumulate(squares.begin(), squares.end(), 0L)
              << std::endl;
    return all_ok && squares.size() == xs.size() && squares[7] == 49 ? 0 : 1;
}
