#pragma once
// Start-method roles: a `spawn` child or the forkserver is this same binary, started with a
// role flag that mpact::init recognises.
namespace mpact::detail {

// If argv carries an mpact role flag, becomes that role (runs the child's task, or serves
// as the forkserver) and exits the process; otherwise returns and main goes on.
void run_role_if_requested(int argc, char** argv);

}  // namespace mpact::detail
