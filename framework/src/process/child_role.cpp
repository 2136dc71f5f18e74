#include "process/child_role.hpp"

#include <mpact/codec.hpp>

#include "process/bootstrap.hpp"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>

extern char** environ;

namespace mpact::detail {

namespace {

constexpr std::string_view marker_name = "MPACT_ROLE=";
constexpr std::size_t pid_digits = 10;

struct Role {
    std::string name;
    int fd = -1;
};

int to_int(std::string_view text) {
    int value = -1;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc{} && ptr == text.data() + text.size() ? value : -1;
}

std::optional<Role> role_in_args(const std::vector<std::string_view>& args) {
    Role role;
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (args[i].starts_with("--mpact-role=")) role.name = args[i].substr(13);
        if (args[i].starts_with("--mpact-bootstrap-fd=")) role.fd = to_int(args[i].substr(21));
    }
    if (role.name.empty()) return std::nullopt;
    return role;
}

// The marker is authoritative when present: a role for this pid, or none at all (it was
// inherited by a program that our child ran). Without a marker, this process's own
// arguments decide, read after static initialisation from /proc/self/cmdline.
std::optional<Role> pending_role() {
    if (const char* marker = std::getenv("MPACT_ROLE")) {
        std::string_view text = marker;
        auto first = text.find(':');
        auto last = text.rfind(':');
        if (first == std::string_view::npos || first == last) return std::nullopt;
        if (to_int(text.substr(last + 1)) != static_cast<int>(::getpid())) return std::nullopt;
        return Role{std::string(text.substr(0, first)),
                    to_int(text.substr(first + 1, last - first - 1))};
    }
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::string_view> args;
    for (std::size_t start = 0; start < all.size();) {
        auto end = all.find('\0', start);
        if (end == std::string::npos) end = all.size();
        args.emplace_back(all.data() + start, end - start);
        start = end + 1;
    }
    return role_in_args(args);
}

[[noreturn]] void become(const Role& role) {
    ::unsetenv("MPACT_ROLE");  // this process's own children get markers of their own
    if (role.fd >= 0 && role.name == "forkserver") serve_forkserver(role.fd);
    if (role.fd >= 0 && role.name == "spawn") {
        std::string bytes;
        if (!read_frame(role.fd, bytes)) std::exit(1);
        ::close(role.fd);
        std::exit(run_bootstrapped(unpack<Bootstrap>(bytes)));
    }
    std::fprintf(stderr, "mpact: unknown child role '%s' (bootstrap descriptor %d)\n",
                 role.name.c_str(), role.fd);
    std::fflush(stderr);
    ::_exit(2);
}

std::atomic<bool> g_settled{false};
std::mutex& role_mutex() {
    static auto* mutex = new std::mutex();  // never destroyed: held while the role runs
    return *mutex;
}

void settle(std::optional<Role> role) {
    std::unique_lock lock(role_mutex());
    if (g_settled.load()) return;
    if (!role) role = pending_role();
    // Settled before the role runs: the role's own mpact calls must not take it again, and
    // the forkserver's children inherit a settled state (their argv still names its role).
    g_settled.store(true, std::memory_order_release);
    if (role) become(*role);  // holding the lock: another thread that asks waits until exit
}

}  // namespace

void run_role_if_requested(int argc, char** argv) {
    if (g_settled.load(std::memory_order_acquire)) return;
    std::vector<std::string_view> args(argv, argv + argc);
    settle(role_in_args(args));
}

void ensure_role() {
    if (g_settled.load(std::memory_order_acquire)) return;
    settle(std::nullopt);
}

RoleEnvironment::RoleEnvironment(std::string_view role, int fd) {
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        if (!std::string_view(*e).starts_with(marker_name)) variables_.emplace_back(*e);
    }
    variables_.push_back(std::string(marker_name) + std::string(role) + ":" + std::to_string(fd) +
                         ":" + std::string(pid_digits, '0'));
    for (auto& v : variables_) pointers_.push_back(v.data());
    pointers_.push_back(nullptr);
}

void RoleEnvironment::stamp(pid_t pid) noexcept {
    char* end = pointers_[pointers_.size() - 2] + variables_.back().size();
    auto value = static_cast<unsigned long>(pid);
    for (std::size_t i = 0; i < pid_digits; ++i) {
        *--end = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

}  // namespace mpact::detail
