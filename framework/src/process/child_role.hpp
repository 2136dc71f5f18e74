#pragma once
// Start-method roles: a `spawn` child or the forkserver is this same binary, exec'd with a
// role. The role travels twice: as argv flags (`--mpact-role=spawn --mpact-bootstrap-fd=N`,
// seen by mpact::init and in ps) and as an environment marker `MPACT_ROLE=<role>:<fd>:<pid>`
// stamped with the child's own pid, so only the process it was made for honours it (not a
// program that child runs before taking its role). A process takes its role in mpact::init
// or, when main skipped init, at its first mpact call — and never returns into main.
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mpact::detail {

// If argv (or else the environment marker) gives this process a role, becomes that role
// and exits; otherwise returns and main goes on. Idempotent.
void run_role_if_requested(int argc, char** argv);

// Takes this process's pending role, if it has one (and then never returns). Called at the
// entry of everything that makes mpact state or children — the session, Process, every
// fork — so a child whose main skipped mpact::init takes its role at its first mpact call,
// and no child ever starts children of its own before it has taken its role. After the
// first call it costs one atomic load.
void ensure_role();

// The environment for exec'ing a child in `role`: this process's environment without any
// role marker, plus the child's. Built before fork; in the child, stamp() writes the
// child's pid into the marker (async-signal-safe) before exec.
class RoleEnvironment {
  public:
    RoleEnvironment(std::string_view role, int fd);
    RoleEnvironment(const RoleEnvironment&) = delete;
    RoleEnvironment& operator=(const RoleEnvironment&) = delete;
    void stamp(pid_t pid) noexcept;
    char** envp() noexcept { return pointers_.data(); }

  private:
    std::vector<std::string> variables_;
    std::vector<char*> pointers_;
};

}  // namespace mpact::detail
