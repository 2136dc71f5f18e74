// Python:
//     from multiprocessing import Process
//     def f(name):
//         print('hello', name)
//     if __name__ == '__main__':
//         p = Process(target=f, args=('bob',))
//         p.start()
//         p.join()
#include <mpact/mpact.hpp>

#include <iostream>
#include <string>

void f(std::string name) {
    std::cout << "hello " << name << std::endl;
}
MPACT_TASK(f);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    mpact::Process p{f, std::string("bob")};
    p.start();
    p.join();
    return p.exitcode().value_or(1);
}
