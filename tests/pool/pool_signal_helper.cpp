// A program for pool_exit_test, started with exec in a process group of its own (so the test
// can send SIGINT to the group as a terminal's Ctrl-C does, and is never in it itself).
//   pool_signal_helper default <fork|forkserver|spawn>   a long map; SIGINT must end it all
//   pool_signal_helper handled <fork|forkserver|spawn>   SIGINT handled; the map completes
// It prints "pids <worker pids...>" once the map is running, then (handled) "done <n> <same>"
// with same = 1 when the workers after the map are those before it.
#include <mpact/node.hpp>
#include <mpact/pool.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

int nap_then_echo(int x) {
    std::this_thread::sleep_for(50ms);
    return x;
}
MPACT_TASK(nap_then_echo);

std::atomic<bool> interrupted{false};
void on_sigint(int) {
    interrupted = true;
}

void print_pids(const char* label, std::vector<pid_t> pids) {
    std::string line = label;
    for (auto p : pids) line += " " + std::to_string(p);
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    if (argc != 3) return 2;
    const std::string mode = argv[1];
    const std::string how = argv[2];
    const auto method = how == "spawn"        ? mpact::StartMethod::spawn
                        : how == "forkserver" ? mpact::StartMethod::forkserver
                                              : mpact::StartMethod::fork;
    if (mode == "handled") {
        struct sigaction sa {};
        sa.sa_handler = on_sigint;
        sa.sa_flags = SA_RESTART;  // as std::signal sets it
        ::sigaction(SIGINT, &sa, nullptr);
    }
    mpact::Pool pool({.processes = 2, .start_method = method});
    static_cast<void>(pool.apply(nap_then_echo, 0));  // both workers up before the map
    for (int i = 0; i < 200 && pool.worker_pids().size() < 2; ++i)
        std::this_thread::sleep_for(10ms);
    std::vector<int> items(mode == "handled" ? 40 : 100000);
    for (std::size_t i = 0; i < items.size(); ++i) items[i] = static_cast<int>(i);
    auto before = pool.worker_pids();
    std::sort(before.begin(), before.end());
    auto result = pool.map_async(nap_then_echo, items, 1);
    print_pids("pids", before);
    if (mode != "handled") {
        static_cast<void>(result.get(120s));  // SIGINT ends this process first
        return 3;
    }
    for (int i = 0; i < 1000 && !interrupted; ++i) std::this_thread::sleep_for(10ms);
    if (!interrupted) return 4;
    auto got = result.get(60s);
    auto after = pool.worker_pids();
    std::sort(after.begin(), after.end());
    std::printf("done %zu %d\n", got.size(), after == before ? 1 : 0);
    std::fflush(stdout);
    return 0;
}
