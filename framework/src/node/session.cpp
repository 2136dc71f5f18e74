#include <mpact/errors.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/internal/session.hpp>

#include "net/net_config.hpp"
#include "node/session_cleanup.hpp"
#include "process/child_role.hpp"
#include "transport/descriptor_budget.hpp"

#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>

namespace mpact::detail {

namespace {

// Never destroyed: threads still running while the program exits may read it after static
// destructors have run (found by ASan).
std::optional<Session>& g_session = *new std::optional<Session>();
std::mutex g_session_mutex;
// The authkey init was given before the session existed (never destroyed, like g_session).
std::optional<std::string>& g_given_authkey = *new std::optional<std::string>();

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    std::size_t got = 0;
    while (got < n) {
        auto r = ::getrandom(out.data() + got, n - got, 0);
        if (r < 0) throw ProcessError("getrandom failed: cannot create the session authkey");
        got += static_cast<std::size_t>(r);
    }
    return out;
}

std::string hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

// A private directory: created 0700, and refused if someone else owns it or can enter it.
void ensure_private_dir(const std::string& path) {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
        throw ProcessError("cannot create runtime directory " + path);
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::getuid() ||
        (st.st_mode & 077) != 0) {
        throw ProcessError("runtime directory " + path +
                           " is not a private (0700) directory owned by this user");
    }
}

bool is_dir(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Bulk data goes where the session's root decided when it made the session: inside the
// session directory when MPACT_RUNTIME_DIR names where mpact keeps its files (or there is
// no /dev/shm), on /dev/shm otherwise. Every process of the session finds it the same way.
std::string scratch_path(const Session& s) {
    std::string inside = s.dir + "/scratch";
    if (is_dir(inside) || !is_dir("/dev/shm")) return inside;
    return shm_scratch_for(s.dir);
}

void remove_session_dir() {
    if (!g_session || g_session->root_pid != ::getpid()) return;
    Node::shutdown_current();
    remove_tree(scratch_path(*g_session).c_str());
    remove_tree(g_session->dir.c_str());
}

Session create_session() {
    // As many servers do: a program of many processes and sockets should not meet a
    // descriptor limit lower than the one the system allows it.
    raise_descriptor_limit();
    const char* runtime = std::getenv("MPACT_RUNTIME_DIR");
    const bool runtime_set = runtime != nullptr && *runtime != '\0';
    const char* base = runtime_set ? runtime : std::getenv("XDG_RUNTIME_DIR");
    if (base == nullptr || *base == '\0') base = "/tmp";
    std::string user_dir = std::string(base) + "/mpact-" + std::to_string(::getuid());
    ensure_private_dir(user_dir);
    remove_stale_sessions(user_dir);
    Session s;
    s.root_pid = ::getpid();
    // A key shared with programs started separately (tcp:// nodes), else a fresh one.
    const char* key_file = std::getenv("MPACT_AUTHKEY_FILE");
    if (g_given_authkey) {
        s.authkey = *g_given_authkey;
    } else if (key_file != nullptr && *key_file != '\0') {
        s.authkey = read_authkey_file(key_file);
    } else {
        s.authkey = random_bytes(32);
    }
    s.dir = user_dir + "/" + std::to_string(s.root_pid) + "-" + hex(random_bytes(4));
    ensure_private_dir(s.dir);
    hold_session_lock(user_dir, s.dir);
    if (runtime_set || !is_dir("/dev/shm")) ensure_private_dir(s.dir + "/scratch");
    remove_on_fatal_signal(s.dir, scratch_path(s));
    return s;
}

}  // namespace

const Session& session() {
    ensure_role();  // the node's lazy start: a child whose main skipped init becomes itself
    std::lock_guard lock(g_session_mutex);
    if (!g_session) {
        g_session = create_session();
        std::atexit(remove_session_dir);
    }
    return *g_session;
}

const std::string& scratch_dir() {
    // Made once per process (children adopt their session before any use); never
    // destroyed: exit hooks use it. Not a function-local static, for boot_id()'s reason
    // (transport/lane.cpp): a guard held by a parent thread at a fork stays held in the
    // child. Two racing makers make the same private directory; one string leaks.
    static std::atomic<const std::string*> made{nullptr};
    if (const auto* known = made.load(std::memory_order_acquire)) return *known;
    auto path = scratch_path(session());
    ensure_private_dir(path);
    auto* fresh = new std::string(std::move(path));
    const std::string* expected = nullptr;
    if (!made.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) {
        delete fresh;
        return *expected;
    }
    return *fresh;
}

void set_session_authkey(std::string key) {
    if (key.empty()) throw AuthenticationError("an empty authkey authenticates nobody");
    std::lock_guard lock(g_session_mutex);
    g_given_authkey = key;
    if (g_session) g_session->authkey = std::move(key);
}

void adopt_session(Session s) {
    std::lock_guard lock(g_session_mutex);
    g_session = std::move(s);
}

std::string endpoint_for_pid(pid_t pid) {
    return "ipc://" + session().dir + "/" + std::to_string(pid);
}

void node_after_fork_in_child() {
    new (&g_session_mutex) std::mutex();
    Node::forget_after_fork();
}

}  // namespace mpact::detail
