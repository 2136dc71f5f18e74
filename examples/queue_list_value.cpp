// Python's documentation example for Queue: a child puts a mixed list, the parent prints it.
//     def f(q):
//         q.put([42, None, 'hello'])
//     q = Queue(); p = Process(target=f, args=(q,)); p.start()
//     print(q.get())    # prints "[42, None, 'hello']"
//     p.join()
// C++ has no heterogeneous list: a tuple of the same values (with std::optional for None).
#include <mpact/mpact.hpp>

#include <iostream>
#include <optional>
#include <string>
#include <tuple>

using Value = std::tuple<int, std::optional<int>, std::string>;

void f(mpact::Queue<Value> q) {
    q.put({42, std::nullopt, "hello"});
}
MPACT_TASK(f);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    mpact::Queue<Value> q;
    mpact::Process p{f, q};
    p.start();
    auto [n, none, text] = q.get();
    std::cout << "[" << n << ", " << (none ? std::to_string(*none) : "None") << ", '" << text
              << "']" << std::endl;
    p.join();
    return p.exitcode() == 0 ? 0 : 1;
}
