// Python: worker processes take tasks from a JoinableQueue and mark each one done; the
// parent's join() returns when every task has been processed.
//     def worker(q, results):
//         while (n := q.get()) is not None:
//             results.put(n * n); q.task_done()
//         q.task_done()
//     q, results = JoinableQueue(), Queue()
//     for n in range(10): q.put(n)
//     for _ in workers: q.put(None)
//     q.join()
#include <mpact/mpact.hpp>

#include <iostream>
#include <optional>
#include <vector>

void worker(mpact::JoinableQueue<std::optional<int>> q, mpact::Queue<int> results) {
    while (auto n = q.get()) {
        results.put(*n * *n);
        q.task_done();
    }
    q.task_done();  // the None, too
}
MPACT_TASK(worker);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    mpact::JoinableQueue<std::optional<int>> q;
    mpact::Queue<int> results;
    std::vector<mpact::Process> workers;
    for (int w = 0; w < 3; ++w) workers.emplace_back(worker, q, results);
    for (auto& w : workers) w.start();
    for (int n = 0; n < 10; ++n) q.put(n);
    for (std::size_t w = 0; w < workers.size(); ++w) q.put(std::nullopt);
    q.join();
    int sum = 0;
    for (int n = 0; n < 10; ++n) sum += results.get();
    std::cout << "all tasks done; sum of squares " << sum << std::endl;
    for (auto& w : workers) w.join();
}
