// A Barrier of 4 processes (the parent and 3 children), 3 passes: exactly one party of each
// pass gets 0 from wait() (Python: Barrier(4); i = b.wait(); if i == 0: ...).
#include <mpact/mpact.hpp>

#include <iostream>
#include <vector>

void party(mpact::Barrier barrier, mpact::Queue<int> zeros) {
    for (int pass = 0; pass < 3; ++pass) {
        if (barrier.wait() == 0) zeros.put(pass);
    }
}
MPACT_TASK(party);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    mpact::Barrier barrier{4};
    mpact::Queue<int> zeros;
    std::vector<mpact::Process> parties;
    for (int i = 0; i < 3; ++i) parties.emplace_back(party, barrier, zeros);
    for (auto& p : parties) p.start();
    party(barrier, zeros);
    for (auto& p : parties) p.join();
    int count = 0;
    while (zeros.try_get(std::chrono::milliseconds(200)).has_value()) ++count;
    std::cout << "passes: 3, parties that got 0: " << count << std::endl;
}
