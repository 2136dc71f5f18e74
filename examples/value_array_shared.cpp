// Python's documentation example for Value and Array ("Sharing state between processes"):
//     def f(n, a):
//         n.value = 3.1415927
//         for i in range(len(a)):
//             a[i] = -a[i]
//     num = Value('d', 0.0); arr = Array('i', range(10))
//     p = Process(target=f, args=(num, arr)); p.start(); p.join()
//     print(num.value)   # 3.1415927
//     print(arr[:])      # [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]
// The value and the array live in an actor of this process; the child reaches them by
// messages, one per load/store.
#include <mpact/mpact.hpp>

#include <iomanip>
#include <iostream>
#include <numeric>
#include <vector>

void f(mpact::Value<double> n, mpact::Array<int> a) {
    n.store(3.1415927);
    for (std::size_t i = 0; i < a.size(); ++i) a.store(i, -a.load(i));
}
MPACT_TASK(f);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    mpact::Value<double> num{0.0};
    std::vector<int> range(10);
    std::iota(range.begin(), range.end(), 0);
    mpact::Array<int> arr{range};
    mpact::Process p{f, num, arr};
    p.start();
    p.join();
    std::cout << std::setprecision(8) << num.load() << '\n';
    const auto values = arr.to_vector();
    std::cout << '[';
    for (std::size_t i = 0; i < values.size(); ++i) std::cout << (i ? ", " : "") << values[i];
    std::cout << ']' << std::endl;
}
