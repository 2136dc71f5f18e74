// Python: several processes, each with its own arguments, joined in turn.
//     def worker(num, word):
//         print(f'Worker {num}: {word}')
//     jobs = [Process(target=worker, args=(i, w)) for i, w in enumerate(['a', 'b', 'c'])]
#include <mpact/mpact.hpp>

#include <iostream>
#include <string>
#include <vector>

void worker(int num, std::string word) {
    std::cout << "Worker " << num << ": " << word << std::endl;
}
MPACT_TASK(worker);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    std::vector<mpact::Process> jobs;
    std::vector<std::string> words{"a", "b", "c"};
    for (int i = 0; i < 3; ++i) jobs.emplace_back(worker, i, words[static_cast<std::size_t>(i)]);
    for (auto& job : jobs) {
        job.start();
        job.join();  // one at a time, so the output order is the Python original's
    }
    for (auto& job : jobs) {
        if (job.exitcode() != 0) return 1;
    }
    std::cout << "all workers done" << std::endl;
}
