// A program that never calls mpact::init (issue #12, fault 1). Its spawn children and its
// forkserver re-run this main up to their first mpact call, where they must take their role
// and never return here. Each run of main appends its pid to the file named by
// MPACT_TEST_MAIN_LOG first (that part runs again in every such child, as documented); the
// root then prints the sum of the squares its children and a Pool computed.
#include <mpact/pipe.hpp>
#include <mpact/pool.hpp>
#include <mpact/process.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {
int square(int x) {
    return x * x;
}
void send_square(int x, mpact::Connection out) {
    out.send(square(x));
}
}  // namespace
MPACT_TASK(square);
MPACT_TASK(send_square);

int main() {
    if (const char* log = std::getenv("MPACT_TEST_MAIN_LOG")) {
        int fd = ::open(log, O_WRONLY | O_APPEND | O_CREAT, 0600);
        std::string line = std::to_string(::getpid()) + "\n";
        static_cast<void>(::write(fd, line.data(), line.size()));
        ::close(fd);
    }
    int total = 0;
    int x = 1;
    for (auto method :
         {mpact::StartMethod::fork, mpact::StartMethod::spawn, mpact::StartMethod::forkserver}) {
        auto [here, there] = mpact::pipe();
        mpact::Process child({.start_method = method}, send_square, x++, there);
        child.start();
        total += here.recv<int>(60s);
        if (!child.join(60s) || child.exitcode() != 0) return 3;
    }
    mpact::Pool pool{2};
    auto squares = pool.map(square, std::vector<int>{4, 5, 6});
    total = std::accumulate(squares.begin(), squares.end(), total);
    std::printf("total=%d\n", total);
    return 0;
}
