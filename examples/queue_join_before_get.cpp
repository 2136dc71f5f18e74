// Python's documented deadlock ("Joining processes that use queues"): the child puts a large
// item and the parent joins the child before getting it. In Python the child's feeder thread
// cannot flush into a pipe nobody reads, so join() never returns:
//     def f(q):
//         q.put('X' * 1000000)
//     q = Queue(); p = Process(target=f, args=(q,)); p.start()
//     p.join()                    # this deadlocks
//     obj = q.get()
// In mpact the item waits in the queue's broker, so the join completes.
#include <mpact/mpact.hpp>

#include <chrono>
#include <iostream>
#include <string>

using namespace std::chrono_literals;

void f(mpact::Queue<std::string> q) {
    q.put(std::string(1'000'000, 'X'));
}
MPACT_TASK(f);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    mpact::Queue<std::string> q;
    mpact::Process p{f, q};
    p.start();
    if (!p.join(30s)) {
        std::cout << "join() did not return: deadlocked" << std::endl;
        p.kill();
        return 1;
    }
    auto obj = q.get(10s);
    std::cout << "joined the child first, then got " << obj.size() << " bytes" << std::endl;
    return p.exitcode() == 0 ? 0 : 1;
}
