// A tour of the Pool API as the classic tutorials show it: apply in a loop, apply_async then
// get, imap, map_async, and a callback that runs in the main process.
//
// Python:
//     with Pool(4) as pool:
//         results = [pool.apply(howmany_within_range, (row, 4, 8)) for row in data]
//         async_results = [pool.apply_async(cube, (x,)) for x in range(5)]
//         print([r.get() for r in async_results])
//         for y in pool.imap(cube, range(5)): print(y)
//         print(pool.map_async(cube, range(5)).get())
//         pool.apply_async(worker_pid, (), callback=lambda pid: print(os.getpid(), pid))
#include <mpact/mpact.hpp>

#include <unistd.h>

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <vector>

int howmany_within_range(std::vector<int> row, int minimum, int maximum) {
    int count = 0;
    for (int n : row) count += (minimum <= n && n <= maximum) ? 1 : 0;
    return count;
}
MPACT_TASK(howmany_within_range);
int cube(int x) {
    return x * x * x;
}
MPACT_TASK(cube);
int worker_pid() {
    return static_cast<int>(::getpid());
}
MPACT_TASK(worker_pid);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    mpact::Pool pool{{.processes = 4}};

    std::vector<std::vector<int>> data{{1, 5, 9, 4}, {6, 7, 2, 8}, {3, 3, 10, 5}};
    std::cout << "within range:";
    for (const auto& row : data) std::cout << ' ' << pool.apply(howmany_within_range, row, 4, 8);
    std::cout << '\n';  // 2 3 1

    std::vector<mpact::AsyncResult<int>> async_results;
    for (int x = 0; x < 5; ++x) async_results.push_back(pool.apply_async(cube, x));
    std::cout << "apply_async:";
    for (auto& r : async_results) std::cout << ' ' << r.get();
    std::cout << '\n';

    std::vector<int> xs{0, 1, 2, 3, 4};
    std::cout << "imap:";
    auto it = pool.imap(cube, xs);
    while (auto y = it.next()) std::cout << ' ' << *y;
    std::cout << '\n';

    std::cout << "map_async:";
    for (int y : pool.map_async(cube, xs).get()) std::cout << ' ' << y;
    std::cout << '\n';

    std::mutex m;
    std::condition_variable cv;
    bool called = false;
    pool.apply_async(worker_pid, std::make_tuple(), {.callback = [&](const int& pid) {
                         std::lock_guard lock(m);
                         std::cout << "callback in main process " << ::getpid()
                                   << " got the result of worker " << pid << '\n';
                         called = true;
                         cv.notify_all();
                     }});
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return called; });
    lock.unlock();
    pool.close();
    pool.join();
}
