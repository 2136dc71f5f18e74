// The tutorials' Manager examples: workers writing into a Manager().dict() (the
// "return_dict" idiom) and a child reversing a Manager().list(range(10)) (the
// documentation's example), printed as Python prints them.
//
//     def worker(procnum, return_dict):
//         print(str(procnum) + " represent!")
//         return_dict[procnum] = procnum * procnum
//     def f(l):
//         l.reverse()
//     with Manager() as manager:
//         return_dict = manager.dict()
//         jobs = [Process(target=worker, args=(i, return_dict)) for i in range(5)]
//         for p in jobs: p.start()
//         for p in jobs: p.join()
//         print(sorted(return_dict.values()))   # [0, 1, 4, 9, 16]
//         l = manager.list(range(10))
//         p = Process(target=f, args=(l,)); p.start(); p.join()
//         print(l)                              # [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
#include <mpact/mpact.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace {

void worker(int procnum, mpact::Dict<int, int> return_dict) {
    std::printf("%d represent!\n", procnum);
    std::fflush(stdout);
    return_dict.set_sync(procnum, procnum * procnum);
}
MPACT_TASK(worker);

void f(mpact::List<int> l) {
    l.reverse();
}
MPACT_TASK(f);

std::string repr(const std::vector<int>& xs) {
    std::string s = "[";
    for (std::size_t i = 0; i < xs.size(); ++i) s += (i ? ", " : "") + std::to_string(xs[i]);
    return s + "]";
}

}  // namespace

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    mpact::Manager manager;
    auto return_dict = manager.dict<int, int>();
    std::vector<mpact::Process> jobs;
    for (int i = 0; i < 5; ++i) jobs.emplace_back(mpact::ProcessOptions{}, worker, i, return_dict);
    for (auto& p : jobs) p.start();
    for (auto& p : jobs) p.join();
    auto values = return_dict.values();
    std::sort(values.begin(), values.end());
    std::printf("%s\n", repr(values).c_str());

    std::vector<int> ten(10);
    for (int i = 0; i < 10; ++i) ten[static_cast<std::size_t>(i)] = i;
    auto l = manager.list<int>(ten);
    mpact::Process p{f, l};
    p.start();
    p.join();
    std::printf("%s\n", repr(l.copy()).c_str());
    return 0;
}
