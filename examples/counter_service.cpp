// A service actor in its own process, answering two client processes.
//
// Python, with a Manager for the service:
//     class Counter: ...
//     with BaseManager(...) as m:  counter = m.Counter()
//     clients = [Process(target=client, args=(counter, i)) for i in (1, 2)]
//
// Here the counter is an actor: its state lives in one process and is reached only by
// messages; its address (an ActorRef) is an ordinary argument the clients receive.
#include <mpact/mpact.hpp>

#include <chrono>
#include <iostream>

using namespace std::chrono_literals;

struct Increment {
    int by = 1;
    MSGPACK_DEFINE(by)
};
struct Read {
    MSGPACK_DEFINE()
};

struct Counter : mpact::Actor {
    int value = 0;
    Counter() {
        handle([this](const Increment& inc) { return value += inc.by; });
        handle([this](const Read&) { return value; });
    }
};

// The service process: hosts the counter until someone stops it.
void counter_service() {
    auto reason = mpact::serve<Counter>("counter");
    std::cout << "service: counter stopped (" << reason << ")" << std::endl;
}
MPACT_TASK(counter_service);

// A client process: 1000 acknowledged increments.
void client(mpact::ActorRef counter, int id) {
    int last = 0;
    for (int i = 0; i < 1000; ++i) last = counter.request<int>(Increment{1}, 5s);
    std::cout << "client " << id << " (pid " << mpact::current_process().pid
              << ") done, last value seen " << last << std::endl;
}
MPACT_TASK(client);

int main(int argc, char** argv) {
    mpact::init(argc, argv);

    mpact::Process service{counter_service};
    service.start();
    mpact::ActorRef counter(mpact::node_endpoint(*service.pid()), "counter");
    if (!counter.wait_ready(10s)) {
        std::cerr << "the counter service did not come up\n";
        return 1;
    }
    std::cout << "service: pid " << *service.pid() << std::endl;

    mpact::Process first{client, counter, 1};
    mpact::Process second{client, counter, 2};
    first.start();
    second.start();
    first.join();
    second.join();

    std::cout << "counter = " << counter.request<int>(Read{}, 5s) << std::endl;
    counter.stop(5s);
    if (!service.join(5s)) service.kill();
    return first.exitcode() == 0 && second.exitcode() == 0 && service.exitcode() == 0 ? 0 : 1;
}
