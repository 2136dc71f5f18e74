#include "support/support.hpp"

#include <mpact/internal/session.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

namespace mpact::test {

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto pause = std::chrono::microseconds(100);
    while (true) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return pred();
        std::this_thread::sleep_for(pause);  // polling interval, not synchronisation
        pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(20));
    }
}

bool process_exists(pid_t pid) {
    if (::kill(pid, 0) != 0) return false;
    // A zombie "exists" for kill(); read its state to tell.
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE* f = std::fopen(path, "r");
    if (f == nullptr) return false;
    int ignored_pid = 0;
    char comm[256] = {};
    char state = '?';
    int n = std::fscanf(f, "%d %255s %c", &ignored_pid, comm, &state);
    std::fclose(f);
    return n == 3 && state != 'Z';
}

ChildGuard::~ChildGuard() {
    for (pid_t pid : pids_) {
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
    }
}

void ChildGuard::release(pid_t pid) {
    pids_.erase(std::remove(pids_.begin(), pids_.end(), pid), pids_.end());
}

pid_t fork_child(const std::function<int()>& body) {
    static_cast<void>(detail::session());  // parent and child must share one session
    std::cout.flush();
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        detail::node_after_fork_in_child();
        int code = 1;
        try {
            code = body();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "child failed: %s\n", e.what());
        }
        std::cout.flush();
        std::fflush(nullptr);
        ::_exit(code);
    }
    return pid;
}

pid_t start_program(const std::vector<std::string>& argv,
                    const std::map<std::string, std::optional<std::string>>& env,
                    const std::function<void()>& in_child) {
    std::vector<std::string> vars;
    for (char** e = environ; *e != nullptr; ++e) {
        const char* eq = std::strchr(*e, '=');
        const std::string name(*e,
                               eq != nullptr ? static_cast<std::size_t>(eq - *e) : std::strlen(*e));
        if (env.find(name) == env.end()) vars.emplace_back(*e);
    }
    for (const auto& [name, value] : env) {
        if (value) vars.push_back(name + '=' + *value);
    }
    std::vector<char*> args;
    std::vector<char*> envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    for (auto& v : vars) envp.push_back(v.data());
    args.push_back(nullptr);
    envp.push_back(nullptr);
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        if (in_child) in_child();
        ::execve(args[0], args.data(), envp.data());
        ::_exit(127);
    }
    return pid;
}

int wait_child(pid_t pid, std::chrono::milliseconds timeout) {
    int status = -1;
    bool done = eventually(
        [&] {
            pid_t r = ::waitpid(pid, &status, WNOHANG);
            return r == pid;
        },
        timeout);
    return done ? status : -1;
}

}  // namespace mpact::test
