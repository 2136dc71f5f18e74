#pragma once
// The floor under actor_rtt_ipc: a raw Unix stream socketpair ping-pong between two
// processes in C++ (no framework), blocking or with the same adaptive busy-poll mpact's
// lane and Pipe use (50 us budget; a miss makes the next 1, 2, 4 ... 1024 waits block at
// once, a catch resets that). Median and p99 in us.
#include <bench_util.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace bench_unix {

struct Spin {
    std::int64_t budget_ns = 0;
    unsigned backoff = 0, skip = 0;
    // Busy-polls `fd` for readability within the budget, adaptively.
    void wait(int fd) {
        if (budget_ns <= 0) return;
        if (skip > 0) {
            --skip;
            return;
        }
        const auto until = bench::now_ns() + budget_ns;
        pollfd p{fd, POLLIN, 0};
        bool first = true;
        do {
            if (::poll(&p, 1, 0) > 0) {
                if (!first) backoff = 0;
                return;
            }
            __builtin_ia32_pause();
            first = false;
        } while (bench::now_ns() < until);
        backoff = std::min(std::max(2 * backoff, 1U), 1024U);
        skip = backoff;
    }
};

inline void read_exact(int fd, char* p, std::size_t n) {
    while (n > 0) {
        ssize_t r = ::read(fd, p, n);
        if (r <= 0) throw std::runtime_error("peer closed");
        p += r;
        n -= static_cast<std::size_t>(r);
    }
}

// Both processes spin with `spin_ns` (0: block at once). 16-byte messages, as an envelope's
// frame prefix.
inline int rtt_figure(int argc, char** argv, std::int64_t spin_ns, const char* what) {
    return bench::run(argc, argv, [&](const bench::Options& opt) {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) throw std::runtime_error("socketpair");
        const int n = opt.pick(20000, 2000);
        pid_t child = ::fork();
        if (child == 0) {
            ::close(fds[0]);
            Spin spin{spin_ns};
            char msg[16];
            try {
                while (true) {
                    spin.wait(fds[1]);
                    read_exact(fds[1], msg, sizeof msg);
                    if (::write(fds[1], msg, sizeof msg) != sizeof msg) break;
                }
            } catch (...) {
            }
            ::_exit(0);
        }
        ::close(fds[1]);
        Spin spin{spin_ns};
        char msg[16] = {};
        std::vector<double> us;
        for (int i = 0; i < n + 200; ++i) {
            const auto t0 = bench::now_ns();
            if (::write(fds[0], msg, sizeof msg) != sizeof msg) throw std::runtime_error("write");
            spin.wait(fds[0]);
            read_exact(fds[0], msg, sizeof msg);
            const auto t1 = bench::now_ns();
            if (i >= 200) us.push_back(static_cast<double>(t1 - t0) / 1e3);
        }
        ::close(fds[0]);
        ::waitpid(child, nullptr, 0);
        bench::emit({bench::median(us), "us", n, what, {{"p99", bench::percentile(us, 0.99)}}});
    });
}

}  // namespace bench_unix
