// Uses only installed headers: an actor answers a request, a task runs by name, a queue
// passes an item.
#include <mpact/mpact.hpp>

#include <chrono>
#include <iostream>

namespace {
struct Twice {
    int n = 0;
    MSGPACK_DEFINE(n)
};
struct Doubler : mpact::Actor {
    Doubler() {
        handle([](const Twice& t) { return 2 * t.n; });
    }
};
int square(int x) {
    return x * x;
}
}  // namespace
MPACT_TASK(square);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    auto doubler = mpact::spawn<Doubler>();
    int doubled = doubler.request<int>(Twice{21}, std::chrono::seconds(5));
    int squared = mpact::unpack<int>(mpact::invoke_task("square", mpact::pack(std::make_tuple(7))));
    mpact::Queue<int> queue;
    queue.put(8);
    int queued = queue.get(std::chrono::seconds(5));
    std::cout << "doubled " << doubled << ", squared " << squared << ", queued " << queued << '\n';
    return doubled == 42 && squared == 49 && queued == 8 ? 0 : 1;
}
