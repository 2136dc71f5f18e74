// The C++ side of the foreign-client test: hosts an actor and a bounded queue, publishes
// their addresses, and runs a Python client written from docs/protocol.md against them
// (foreign_client.py). It checks what crossed in each direction: the items the client put
// arrive here intact, and the counter ended where the client's requests left it.
//
//   interop_host <python3> <foreign_client.py>
//
// Exit status: 0 when the client and the host's own checks passed.
#include <mpact/actor.hpp>
#include <mpact/node.hpp>
#include <mpact/queue.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

using namespace std::chrono_literals;

// Wire names are the C++ names: these live in the global namespace on purpose, so the
// client addresses them as "Increment", "Total" and "Stats".
struct Increment {
    int by = 0;
    MSGPACK_DEFINE(by)
};
struct Total {
    MSGPACK_DEFINE()
};
struct Stats {
    MSGPACK_DEFINE()
};

namespace {

struct Counter : mpact::Actor {
    long value = 0;
    Counter() {
        handle([this](const Increment& i) { return value += i.by; });
        handle([this](const Total&) { return value; });
        handle([](const Stats&) {
            const auto s = mpact::node_stats();
            return std::map<std::string, std::uint64_t>{{"received", s.received},
                                                        {"delivered", s.delivered},
                                                        {"malformed", s.malformed},
                                                        {"oversized", s.oversized},
                                                        {"unknown_actor", s.unknown_actor},
                                                        {"expired", s.expired},
                                                        {"handler_errors", s.handler_errors},
                                                        {"refused", s.refused},
                                                        {"unmatched", s.unmatched}};
        });
    }
};

constexpr int kHostItems = 20;   // the host puts these for the client to get
constexpr int kClientItems = 6;  // the client puts these (fewer than maxsize)
constexpr std::size_t kMaxsize = 8;

// Runs `argv` as a child and waits at most `timeout` for it; its exit status, or -1.
int run_with_deadline(std::vector<std::string> args, std::chrono::seconds timeout) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
        std::cerr << "interop_host: cannot run " << args[0] << '\n';
        return -1;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (::waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            std::cerr << "interop_host: the client did not finish within " << timeout.count()
                      << " s; killing it\n";
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(20ms);  // polling a child's exit, not synchronising
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    if (argc != 3) {
        std::cerr << "usage: interop_host <python3> <foreign_client.py>\n";
        return 2;
    }
    auto counter = mpact::spawn_named<Counter>("counter");
    mpact::Queue<std::string> queue{kMaxsize};
    // More than maxsize: a thread keeps putting while the client takes them out, in short
    // waits, so a client that fails early does not leave it waiting long.
    std::atomic<bool> client_done{false};
    std::thread producer([queue, &client_done] {
        const auto until = std::chrono::steady_clock::now() + 240s;
        for (int i = 0; i < kHostItems; ++i) {
            while (true) {
                try {
                    queue.put("host-" + std::to_string(i), 200ms);
                    break;
                } catch (const mpact::Full&) {
                    if (client_done || std::chrono::steady_clock::now() > until) {
                        std::cerr << "interop_host: the client did not take the host's items\n";
                        return;
                    }
                }
            }
        }
    });
    const auto& broker = queue.handle().broker();
    const int code = run_with_deadline(
        {argv[1], argv[2], mpact::node_endpoint(), counter.name(), broker.endpoint(), broker.name(),
         std::to_string(kMaxsize), std::to_string(kHostItems), std::to_string(kClientItems)},
        std::chrono::seconds(240));
    client_done = true;
    producer.join();
    if (code != 0) {
        std::cerr << "interop_host: the client failed (status " << code << ")\n";
        return 1;
    }
    int failures = 0;
    for (int i = 0; i < kClientItems; ++i) {
        auto item = queue.get(30s);
        if (item != "python-" + std::to_string(i)) {
            std::cerr << "interop_host: item " << i << " is '" << item << "'\n";
            ++failures;
        }
    }
    // The client's batch of 1000 Increment{1} and its requests: 5 + 1000 + 1.
    const long total = counter.request<long>(Total{}, 10s);
    if (total != 1006) {
        std::cerr << "interop_host: the counter is " << total << ", expected 1006\n";
        ++failures;
    }
    if (failures == 0) std::cout << "interop_host: every check passed\n";
    return failures == 0 ? 0 : 1;
}
