// Python's documentation example for Lock ("Synchronization between processes"):
//     def f(l, i):
//         l.acquire()
//         try:
//             print('hello world', i)
//         finally:
//             l.release()
//     lock = Lock()
//     for num in range(10):
//         Process(target=f, args=(lock, num)).start()
// As in Python, main returns without joining: the exit joins the children, and the Lock
// (its actor in this process) serves them until then.
#include <mpact/mpact.hpp>

#include <iostream>
#include <mutex>

void f(mpact::Lock l, int i) {
    std::scoped_lock guard(l);
    std::cout << "hello world " << i << std::endl;
}
MPACT_TASK(f);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    mpact::Lock lock;
    for (int num = 0; num < 10; ++num) mpact::Process(f, lock, num).start();
}
