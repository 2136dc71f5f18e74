#include "transport/descriptor_budget.hpp"

#include <mpact/errors.hpp>

#include <dirent.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <string>

namespace mpact::detail {

void raise_descriptor_limit() noexcept {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    limit.rlim_cur = limit.rlim_max;
    static_cast<void>(::setrlimit(RLIMIT_NOFILE, &limit));
}

int open_descriptors() noexcept {
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) return -1;
    int n = 0;
    while (const dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] != '.') ++n;
    }
    ::closedir(dir);
    return n - 1;  // the directory's own descriptor
}

namespace {
std::atomic<long> g_children{0};

[[noreturn]] void refuse(std::string_view what, long open, long soft, long reserve) {
    throw ProcessError("too few file descriptors to " + std::string(what) + ": " +
                       std::to_string(open) + " of this process's limit of " +
                       std::to_string(soft) + " are open and " + std::to_string(reserve) +
                       " stay free for incoming connections; raise the limit (ulimit -n, "
                       "or the hard limit: mpact already raised the soft one to it)");
}
long reserve_for(long soft) {
    return std::max<long>(kDescriptorReserve, soft / 4) +
           kIncomingPerChild * g_children.load(std::memory_order_relaxed);
}
}  // namespace

void set_children(std::size_t children) noexcept {
    g_children.store(static_cast<long>(children), std::memory_order_relaxed);
}

void check_descriptors(std::string_view what, int needed) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
    const auto soft = static_cast<long>(limit.rlim_cur);
    // A large limit is far away: counting would cost a directory read per socket for nothing.
    constexpr long kCountBelow = 1 << 16;
    if (soft >= kCountBelow) return;
    const int open = open_descriptors();
    const long reserve = reserve_for(soft);
    if (open < 0) {
        // Not even the descriptor that counts them: the process is at its limit (the limit
        // bounds descriptor numbers, so one can be at it with fewer open than it says).
        if (errno == EMFILE || errno == ENFILE) refuse(what, soft, soft, reserve);
        return;  // no /proc: nothing to count by
    }
    if (open + needed + reserve <= soft) return;
    refuse(what, open, soft, reserve);
}

zmq::socket_t open_socket(zmq::context_t& context, zmq::socket_type type, std::string_view what,
                          int needed) {
    check_descriptors(what, needed);
    try {
        return zmq::socket_t(context, type);
    } catch (const zmq::error_t& e) {
        if (e.num() != EMFILE && e.num() != ENFILE) throw;
        rlimit limit{};
        ::getrlimit(RLIMIT_NOFILE, &limit);
        const auto soft = static_cast<long>(limit.rlim_cur);
        refuse(what, open_descriptors(), soft, reserve_for(soft));
    }
}

}  // namespace mpact::detail
