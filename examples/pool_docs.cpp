// The Pool example of Python's multiprocessing documentation, line for line.
//
// Python:
//     with Pool(processes=4) as pool:
//         print(pool.map(f, range(10)))
//         for i in pool.imap_unordered(f, range(10)): print(i)
//         res = pool.apply_async(f, (20,)); print(res.get(timeout=1))
//         res = pool.apply_async(os.getpid, ()); print(res.get(timeout=1))
//         multiple_results = [pool.apply_async(os.getpid, ()) for i in range(4)]
//         print([res.get(timeout=1) for res in multiple_results])
//         res = pool.apply_async(time.sleep, (10,))
//         try: print(res.get(timeout=1))
//         except TimeoutError: print("We lacked patience and got a multiprocessing.TimeoutError")
//
// Leaving the scope terminates the pool, as Python's `with` does: the 10 s task is killed.
#include <mpact/mpact.hpp>

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

int f(int x) {
    return x * x;
}
MPACT_TASK(f);
int getpid_task() {
    return static_cast<int>(::getpid());
}
MPACT_TASK(getpid_task);
void sleep_seconds(int s) {
    std::this_thread::sleep_for(std::chrono::seconds(s));
}
MPACT_TASK(sleep_seconds);

template <class C>
void print(const C& xs) {
    const char* sep = "[";
    for (const auto& x : xs) std::cout << std::exchange(sep, ", ") << x;
    std::cout << "]\n";
}

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    mpact::Pool pool{{.processes = 4}};
    std::vector<int> range10{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

    print(pool.map(f, range10));  // [0, 1, 4, ..., 81]

    auto it = pool.imap_unordered(f, range10);
    while (auto i = it.next()) std::cout << *i << '\n';  // in arbitrary order

    auto res = pool.apply_async(f, 20);
    std::cout << res.get(1s) << '\n';  // 400

    auto pid = pool.apply_async(getpid_task);
    std::cout << pid.get(1s) << '\n';  // a worker's pid

    std::vector<mpact::AsyncResult<int>> multiple_results;
    for (int i = 0; i < 4; ++i) multiple_results.push_back(pool.apply_async(getpid_task));
    std::vector<int> pids;
    for (auto& r : multiple_results) pids.push_back(r.get(1s));
    print(pids);

    auto slow = pool.apply_async(sleep_seconds, 10);
    try {
        slow.get(1s);
    } catch (const mpact::TimeoutError&) {
        std::cout << "We lacked patience and got a multiprocessing.TimeoutError\n";
    }
    std::cout << "For the moment, the pool remains available for more work\n";
}  // pool.terminate(): the 10 s task ends with its worker
