// An Event as a start signal: three runners wait for `go`, the parent sets it once they are
// all ready (Python: go = Event(); def runner(go, ready, i): ready.put(i); go.wait(); ...).
#include <mpact/mpact.hpp>

#include <iostream>
#include <vector>

void runner(mpact::Event go, mpact::Queue<int> ready, mpact::Queue<int> started, int i) {
    ready.put(i);
    go.wait();
    started.put(i);
}
MPACT_TASK(runner);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    mpact::Event go;
    mpact::Queue<int> ready, started;
    std::vector<mpact::Process> runners;
    for (int i = 0; i < 3; ++i) runners.emplace_back(runner, go, ready, started, i);
    for (auto& r : runners) r.start();
    for (int i = 0; i < 3; ++i) static_cast<void>(ready.get());
    std::cout << "3 runners ready, is_set: " << std::boolalpha << go.is_set() << '\n';
    go.set();
    int count = 0;
    for (int i = 0; i < 3; ++i) count += started.get() >= 0 ? 1 : 0;
    for (auto& r : runners) r.join();
    std::cout << count << " runners started after set()" << std::endl;
}
