// Python:
//     for method in ('fork', 'spawn', 'forkserver'):
//         ctx = mp.get_context(method)
//         p = ctx.Process(target=report, args=(method,)); p.start(); p.join()
#include <mpact/mpact.hpp>

#include <unistd.h>

#include <iostream>
#include <string>

void report(std::string method) {
    std::cout << "start method " << method << ": child pid " << ::getpid() << ", parent "
              << (mpact::parent_process() ? mpact::parent_process()->pid : 0) << std::endl;
}
MPACT_TASK(report);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    std::cout << "main pid " << ::getpid() << std::endl;
    for (auto method :
         {mpact::StartMethod::fork, mpact::StartMethod::spawn, mpact::StartMethod::forkserver}) {
        auto ctx = mpact::get_context(method);
        auto p = ctx.process({}, report, std::string(mpact::to_string(method)));
        p.start();
        p.join();
        if (p.exitcode() != 0) return 1;
    }
    // A closure can only be run by fork, as Python cannot pickle a lambda.
    int answer = 42;
    mpact::Process lambda_child{{.start_method = mpact::StartMethod::fork}, [answer] {
                                    std::cout << "a forked lambda sees " << answer << std::endl;
                                }};
    lambda_child.start();
    lambda_child.join();
    return lambda_child.exitcode().value_or(1);
}
