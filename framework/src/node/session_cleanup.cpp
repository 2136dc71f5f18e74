#include "node/session_cleanup.hpp"

#include <mpact/errors.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string_view>
#include <vector>

namespace mpact::detail {

namespace {

constexpr std::string_view kLockName = "lock";
constexpr std::string_view kLockTemp = ".lock-";

// Removes the entries of the open directory `fd` (and of its subdirectories while `depth`
// lasts). Reads again from the start until a pass finds nothing: a directory read while its
// entries go may skip some. Async-signal-safe (getdents64, unlinkat, openat).
void remove_entries(int fd, int depth) noexcept {
    constexpr int kPasses = 4;
    alignas(struct dirent64) char buffer[4096];
    for (int pass = 0; pass < kPasses; ++pass) {
        if (::lseek(fd, 0, SEEK_SET) < 0) return;
        bool found = false;
        for (;;) {
            const auto n = ::getdents64(fd, buffer, sizeof buffer);
            if (n <= 0) break;
            for (decltype(n + 0) at = 0; at < n;) {
                const auto* entry = reinterpret_cast<const struct dirent64*>(buffer + at);
                at += entry->d_reclen;
                const char* name = entry->d_name;
                if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) {
                    continue;
                }
                found = true;
                if (::unlinkat(fd, name, 0) == 0 || errno != EISDIR || depth == 0) continue;
                int sub = ::openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub >= 0) {
                    remove_entries(sub, depth - 1);
                    ::close(sub);
                }
                ::unlinkat(fd, name, AT_REMOVEDIR);
            }
        }
        if (!found) return;
    }
}

// The pid a session's name starts with ("<pid>-<hex>"), or 0.
pid_t leading_pid(std::string_view name) {
    pid_t pid = 0;
    std::size_t i = 0;
    for (; i < name.size() && name[i] >= '0' && name[i] <= '9' && i < 9; ++i) {
        pid = pid * 10 + (name[i] - '0');
    }
    return i > 0 && i < name.size() && name[i] == '-' ? pid : 0;
}

bool pid_gone(pid_t pid) {
    return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
}

std::vector<std::string> entries_of(const std::string& dir) {
    std::vector<std::string> names;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (const dirent* entry = ::readdir(d)) {
            std::string_view name(entry->d_name);
            if (name != "." && name != "..") names.emplace_back(name);
        }
        ::closedir(d);
    }
    return names;
}

bool is_dir(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Whether the session in `path` has ended: its lock file can be locked (or, for a session
// from before lock files, the pid its name starts with is gone).
bool session_ended(const std::string& path, std::string_view name) {
    int fd =
        ::open((path + "/" + std::string(kLockName)).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT && pid_gone(leading_pid(name));
    const bool ended = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    ::close(fd);  // releases the lock taken, if any: the directory goes next
    return ended;
}

// The paths the signal handler removes, kept where a handler can read them.
char g_signal_dir[PATH_MAX] = {};
char g_signal_scratch[PATH_MAX] = {};
pid_t g_signal_root = 0;

extern "C" void on_fatal_signal(int sig) {
    const int saved = errno;
    if (::getpid() == g_signal_root) {
        remove_tree(g_signal_scratch);
        remove_tree(g_signal_dir);
    }
    // SA_RESETHAND made the disposition the default again: the signal, pending until this
    // handler returns, then ends the process as it would have without us.
    ::raise(sig);
    errno = saved;
}

}  // namespace

void remove_tree(const char* dir) noexcept {
    if (dir == nullptr || dir[0] == '\0') return;
    int fd = ::open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    remove_entries(fd, 1);
    ::close(fd);
    ::rmdir(dir);
}

std::string shm_scratch_for(const std::string& session_dir) {
    auto slash = session_dir.find_last_of('/');
    return "/dev/shm/mpact-" + std::to_string(::getuid()) + "-" + session_dir.substr(slash + 1);
}

void hold_session_lock(const std::string& user_dir, const std::string& dir) {
    // Locked under a temporary name, then renamed in: another root never finds the lock
    // file of a live session unlocked.
    auto slash = dir.find_last_of('/');
    std::string temp = user_dir + "/" + std::string(kLockTemp) + dir.substr(slash + 1);
    int fd = ::open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        throw ProcessError("cannot create the session lock " + temp + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX) != 0 ||
        ::rename(temp.c_str(), (dir + "/" + std::string(kLockName)).c_str()) != 0) {
        const int error = errno;
        ::close(fd);
        ::unlink(temp.c_str());
        throw ProcessError("cannot lock the session directory " + dir + ": " +
                           std::strerror(error));
    }
    // Held (never closed) for as long as this process lives; forked children share it.
    static_cast<void>(fd);
}

void remove_stale_sessions(const std::string& user_dir) noexcept {
    try {
        for (const auto& name : entries_of(user_dir)) {
            const std::string path = user_dir + "/" + name;
            if (name.rfind(kLockTemp, 0) == 0) {
                // A lock never renamed in: its root died while making its session.
                if (pid_gone(leading_pid(std::string_view(name).substr(kLockTemp.size())))) {
                    ::unlink(path.c_str());
                }
                continue;
            }
            if (leading_pid(name) == 0 || !is_dir(path) || !session_ended(path, name)) continue;
            remove_tree(shm_scratch_for(path).c_str());
            remove_tree(path.c_str());
        }
        // Scratch directories on /dev/shm whose session is not under `user_dir` (it may be
        // under another runtime directory): only when their root's pid is gone.
        const std::string prefix = "mpact-" + std::to_string(::getuid()) + "-";
        for (const auto& name : entries_of("/dev/shm")) {
            if (name.rfind(prefix, 0) != 0) continue;
            const std::string session_name = name.substr(prefix.size());
            if (is_dir(user_dir + "/" + session_name)) continue;  // a live session's
            if (pid_gone(leading_pid(session_name))) remove_tree(("/dev/shm/" + name).c_str());
        }
    } catch (...) {
        // Cleaning up after others is a courtesy: never a reason for this program to fail.
    }
}

void remove_on_fatal_signal(const std::string& dir, const std::string& scratch) {
    if (dir.size() >= sizeof g_signal_dir || scratch.size() >= sizeof g_signal_scratch) return;
    std::memcpy(g_signal_dir, dir.c_str(), dir.size() + 1);
    std::memcpy(g_signal_scratch, scratch.c_str(), scratch.size() + 1);
    g_signal_root = ::getpid();
    for (int sig : {SIGINT, SIGTERM}) {
        struct sigaction old {};
        if (::sigaction(sig, nullptr, &old) != 0) continue;
        if ((old.sa_flags & SA_SIGINFO) != 0 || old.sa_handler != SIG_DFL) continue;
        struct sigaction action {};
        action.sa_handler = on_fatal_signal;
        action.sa_flags = SA_RESETHAND;
        sigemptyset(&action.sa_mask);
        ::sigaction(sig, &action, nullptr);
    }
}

}  // namespace mpact::detail
