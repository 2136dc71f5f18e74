// A service actor in a process of its own, under a Supervisor: when the service's process
// is killed or crashes, the supervisor starts a new one, and the client, after an
// ActorDownError, asks the supervisor for the replacement and goes on.
//
// Python has no supervision; the nearest is a Manager whose server process you restart by
// hand (and whose proxies then raise BrokenPipeError / EOFError). Erlang: a supervisor with
// one permanent child.
#include <mpact/mpact.hpp>
#include <mpact/supervisor.hpp>

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

using namespace std::chrono_literals;

struct Increment {
    int by = 1;
    MSGPACK_DEFINE(by)
};
struct Crash {  // makes the service process abort, as a bug would
    MSGPACK_DEFINE()
};

struct Counter : mpact::Actor {
    int value = 0;
    Counter() {
        handle([this](const Increment& inc) { return value += inc.by; });
        handle([](const Crash&) { std::abort(); });
    }
};
MPACT_ACTOR(Counter);  // so the forkserver's child can host it

// Increments until `n` succeed, following the service across restarts.
int use(const mpact::Supervisor& sup, mpact::ActorRef& counter, int n) {
    int value = 0;
    for (int done = 0; done < n;) {
        try {
            value = counter.request<int>(Increment{1}, 5s);
            ++done;
        } catch (const mpact::ActorDownError& e) {
            std::cout << "client: ActorDownError (" << e.what() << ")" << std::endl;
            counter = sup.child("counter", 30s, counter);  // waits for the replacement
            std::cout << "client: counter restarted in pid " << counter.pid() << std::endl;
        }
    }
    return value;
}

int main(int argc, char** argv) {
    mpact::init(argc, argv);

    mpact::Supervisor sup{
        {.strategy = mpact::RestartStrategy::one_for_one, .intensity = 3, .period = 10s},
        {mpact::process_child<Counter>("counter")}};
    auto counter = sup.child("counter", 30s);
    std::cout << "client: counter in pid " << counter.pid() << std::endl;
    const int before = use(sup, counter, 10);
    std::cout << "client: counter = " << before << std::endl;

    std::cout << "client: SIGKILL to pid " << counter.pid() << std::endl;
    ::kill(counter.pid(), SIGKILL);
    // The service's state went with its process: counting starts again at 1.
    const int after_kill = use(sup, counter, 5);
    std::cout << "client: counter = " << after_kill << std::endl;

    std::cout << "client: asking the service to crash" << std::endl;
    counter.send(Crash{});
    const int after_crash = use(sup, counter, 5);
    std::cout << "client: counter = " << after_crash << std::endl;

    const int restarts = sup.restarts(5s);
    std::cout << "restarts = " << restarts << std::endl;
    return before == 10 && after_kill == 5 && after_crash == 5 && restarts == 2 ? 0 : 1;
}
