// Python:
//     def info(title):
//         print(title)
//         print('module name:', __name__)
//         print('parent process:', os.getppid())
//         print('process id:', os.getpid())
//     def f(name):
//         info('function f')
//         print('hello', name)
//     if __name__ == '__main__':
//         info('main line')
//         p = Process(target=f, args=('bob',)); p.start(); p.join()
#include <mpact/mpact.hpp>

#include <unistd.h>

#include <iostream>
#include <string>

void info(const std::string& title) {
    std::cout << title << '\n'
              << "module name: " << mpact::current_process().name << '\n'
              << "parent process: " << ::getppid() << '\n'
              << "process id: " << ::getpid() << std::endl;
}

void f(std::string name) {
    info("function f");
    std::cout << "hello " << name << std::endl;
}
MPACT_TASK(f);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    info("main line");
    // fork, so the child's parent process is this one (as with Python's fork and spawn).
    mpact::Process p{
        {.name = "Process-f", .start_method = mpact::StartMethod::fork}, f, std::string("bob")};
    p.start();
    p.join();
    return p.exitcode().value_or(1);
}
