#pragma once
// What a child needs to become itself: the session, its identity, and its task. Travels
// through an inherited descriptor (spawn, forkserver) — never through argv.
#include <msgpack.hpp>

#include <string>
#include <vector>

namespace mpact::detail {

struct Bootstrap {
    std::string session_dir;
    std::string authkey;
    int root_pid = 0;
    std::string task;
    std::string packed_args;
    std::string name;
    std::vector<int> identity;  // Python's _identity: (1,) for Process-1, (1, 2) for Process-1:2
    bool daemon = false;
    int parent_pid = 0;
    std::string parent_name;
    std::vector<int> fds;  // descriptors handed over with the arguments, by index (descriptors.hpp)
    MSGPACK_DEFINE(session_dir, authkey, root_pid, task, packed_args, name, identity, daemon,
                   parent_pid, parent_name, fds)
};

// Length-prefixed frames over a descriptor; false on EOF or error.
bool write_frame(int fd, const std::string& bytes);
bool read_frame(int fd, std::string& bytes);

// This process's identity as a child (set before the task runs).
struct Identity {
    std::string name = "MainProcess";
    std::vector<int> identity;
    bool daemon = false;
    int parent_pid = 0;
    std::string parent_name;
    int children_started = 0;
};
Identity& identity();

// Runs a bootstrapped child's task and returns its exit code (1 after an exception, whose
// text goes to stderr as Python prints a traceback).
int run_bootstrapped(const Bootstrap& boot);
// Joins non-daemon children and terminates daemon ones (Python's util._exit_function).
void finish_children() noexcept;
// A forked child has no children yet: drop the inherited list.
void forget_children_after_fork() noexcept;
// Forkserver: the server loop (never returns) and a client start.
[[noreturn]] void serve_forkserver(int control_fd);
struct ForkserverChild {
    int pid = 0;
    int status_fd = -1;  // readable once the exit status has been written; the sentinel
};
// `fds` travel beside the request (SCM_RIGHTS); the child finds them in its Bootstrap::fds.
ForkserverChild forkserver_start(const Bootstrap& boot, const std::vector<int>& fds);

}  // namespace mpact::detail
