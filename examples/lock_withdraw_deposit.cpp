// The withdraw/deposit race of the tutorials (codebasics' multiprocessing_lock.py):
//     def deposit(balance, lock):
//         for i in range(100):
//             time.sleep(0.01)
//             lock.acquire(); balance.value = balance.value + 1; lock.release()
//     def withdraw(balance, lock): ... balance.value = balance.value - 1 ...
//     balance = Value('i', 200); lock = Lock()
//     d = Process(target=deposit, args=(balance, lock)); w = Process(target=withdraw, ...)
//     d.start(); w.start(); d.join(); w.join()
//     print(balance.value)   # 200
// First the same loops with no lock and no sleep, where updates are lost as in Python (the
// read and the write are two messages; the other process's write can fall between them),
// then the tutorial's program, exact.
#include <mpact/mpact.hpp>

#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

using namespace std::chrono_literals;

void deposit(mpact::Value<int> balance, mpact::Lock lock) {
    for (int i = 0; i < 100; ++i) {
        std::this_thread::sleep_for(10ms);
        std::scoped_lock guard(lock);
        balance.store(balance.load() + 1);
    }
}
MPACT_TASK(deposit);

void withdraw(mpact::Value<int> balance, mpact::Lock lock) {
    for (int i = 0; i < 100; ++i) {
        std::this_thread::sleep_for(10ms);
        std::scoped_lock guard(lock);
        balance.store(balance.load() - 1);
    }
}
MPACT_TASK(withdraw);

void add_unlocked(mpact::Value<int> balance, int by) {
    for (int i = 0; i < 2000; ++i) balance.store(balance.load() + by);
}
MPACT_TASK(add_unlocked);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    {
        mpact::Value<int> balance{200, {.lock = false}};
        mpact::Process d{add_unlocked, balance, 1};
        mpact::Process w{add_unlocked, balance, -1};
        d.start();
        w.start();
        d.join();
        w.join();
        std::cout << "without a lock: " << balance.load() << " (200 if no update was lost)\n";
    }
    mpact::Value<int> balance{200};
    mpact::Lock lock;
    mpact::Process d{deposit, balance, lock};
    mpact::Process w{withdraw, balance, lock};
    d.start();
    w.start();
    d.join();
    w.join();
    std::cout << balance.load() << std::endl;
}
