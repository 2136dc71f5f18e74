#pragma once
// The session every process of one mpact program shares: where mailboxes live and the
// authkey. The root process creates it; children adopt it (fork: inherited memory;
// spawn/forkserver: the bootstrap descriptor).
#include <sys/types.h>

#include <string>

namespace mpact::detail {

struct Session {
    std::string dir;      // 0700 directory holding every mailbox socket of the session
    std::string authkey;  // 32 random bytes
    pid_t root_pid = 0;   // the process that created the session
};

// This process's session, created on first use in the root process.
const Session& session();
// Makes `key` the session's authkey (init's option), now or when the session is created.
// Throws AuthenticationError for an empty key.
void set_session_authkey(std::string key);
// Makes `s` this process's session (a child, before its node starts).
void adopt_session(Session s);
// A private directory for bulk data of this session: inside the session directory when
// MPACT_RUNTIME_DIR is set (or there is no /dev/shm), else on /dev/shm; made on first use
// by any process of the session, removed by the root at exit (session_cleanup.hpp says
// what happens when the root is killed).
const std::string& scratch_dir();
// The ipc:// endpoint of the mailbox of process `pid` in this session.
std::string endpoint_for_pid(pid_t pid);

// Called first thing in a child created by fork(): forgets the parent's node (without
// touching its ZeroMQ context, which belongs to the parent's threads) so this process
// builds its own on first use.
void node_after_fork_in_child();

}  // namespace mpact::detail
