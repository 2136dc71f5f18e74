// A Semaphore limiting concurrent workers: 6 worker processes, at most 2 inside at once
// (Python: sem = Semaphore(2); def worker(sem, ...): with sem: ...). The workers count who
// is inside in a Value and record the most seen.
#include <mpact/mpact.hpp>

#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

void worker(mpact::Semaphore sem, mpact::Value<int> inside, mpact::Value<int> most) {
    std::scoped_lock guard(sem);
    const int now = inside.fetch_add(1) + 1;
    int seen = most.load();
    while (now > seen && !most.compare_exchange(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the work
    inside.fetch_sub(1);
}
MPACT_TASK(worker);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    mpact::Semaphore sem{2};
    mpact::Value<int> inside{0}, most{0};
    std::vector<mpact::Process> workers;
    for (int i = 0; i < 6; ++i) workers.emplace_back(worker, sem, inside, most);
    for (auto& w : workers) w.start();
    for (auto& w : workers) w.join();
    std::cout << "6 workers, Semaphore(2): at most " << most.load() << " inside at once"
              << std::endl;
}
