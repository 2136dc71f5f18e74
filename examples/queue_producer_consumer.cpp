// Python: a producer and a consumer process share a Queue; "DONE" ends the stream.
//     def producer(q):
//         for i in range(5):
//             q.put(str(i)); print(f'Produced {i}')
//         q.put('DONE')
//     def consumer(q):
//         while (item := q.get()) != 'DONE':
//             print(f'Consumed {item}')
//     q = Queue()
//     p, c = Process(target=producer, args=(q,)), Process(target=consumer, args=(q,))
#include <mpact/mpact.hpp>

#include <iostream>
#include <string>

void producer(mpact::Queue<std::string> q) {
    for (int i = 0; i < 5; ++i) {
        q.put(std::to_string(i));
        std::cout << "Produced " << i << std::endl;
    }
    q.put("DONE");
}
MPACT_TASK(producer);

void consumer(mpact::Queue<std::string> q) {
    for (auto item = q.get(); item != "DONE"; item = q.get())
        std::cout << "Consumed " << item << std::endl;
    std::cout << "Consumer got DONE" << std::endl;
}
MPACT_TASK(consumer);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    mpact::Queue<std::string> q;
    mpact::Process p{producer, q};
    mpact::Process c{consumer, q};
    p.start();
    c.start();
    p.join();
    c.join();
    return p.exitcode() == 0 && c.exitcode() == 0 ? 0 : 1;
}
