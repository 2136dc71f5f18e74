// Condition producer/consumer: a consumer process waits on a Condition until the producer
// (this process) has made items, counted in a Value (Python: with cond: cond.wait_for(
// lambda: n.value >= k); and with cond: n.value += 1; cond.notify()).
#include <mpact/mpact.hpp>

#include <iostream>
#include <mutex>

void consumer(mpact::Condition cond, mpact::Value<int> items, mpact::Queue<int> out) {
    int taken = 0;
    while (taken < 5) {
        std::unique_lock guard(cond);
        cond.wait(guard, [&] { return items.load() > 0; });
        items.store(items.load() - 1);
        ++taken;
    }
    out.put(taken);
}
MPACT_TASK(consumer);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    mpact::Condition cond;
    mpact::Value<int> items{0, {.lock = false}};
    mpact::Queue<int> out;
    mpact::Process c{consumer, cond, items, out};
    c.start();
    for (int i = 0; i < 5; ++i) {
        std::scoped_lock guard(cond);
        items.store(items.load() + 1);
        cond.notify();
    }
    std::cout << "consumer took " << out.get() << " items" << std::endl;
    c.join();
}
