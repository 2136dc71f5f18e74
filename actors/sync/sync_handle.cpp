// The handle under every sync primitive: hosting its actor, requests with a grace period and
// an error that names the primitive, and the per-thread records of what a thread holds.
#include <mpact/actor.hpp>
#include <mpact/detail/sync_handle.hpp>
#include <mpact/errors.hpp>
#include <mpact/internal/actor_owner.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/internal/pidfd.hpp>
#include <mpact/internal/this_pid.hpp>

#include "holds.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <random>
#include <unordered_map>
#include <vector>

namespace mpact::detail {

using namespace std::chrono_literals;

namespace {
// The actor answers a timed wait itself; the caller waits this much longer before deciding
// the actor is not answering at all (a stopped process, a machine far behind). A dead one
// is seen at once, by its pidfd, not by this.
constexpr Duration kGrace = 10s;

std::atomic<std::uint64_t> next_name{0};

struct Holds {
    pid_t pid = 0;
    std::unordered_map<std::string, Hold> by_key;
};
Holds& holds() {
    thread_local Holds h;
    if (h.pid != this_pid()) {  // made before a fork: the parent's holds, not ours
        h.by_key.clear();
        h.pid = this_pid();
    }
    return h;
}
}  // namespace

Owner this_owner() noexcept {
    thread_local pid_t pid = 0;
    thread_local std::int64_t tid = 0;
    if (pid != this_pid()) {  // the thread that forked is the child's main thread
        pid = this_pid();
        tid = static_cast<std::int64_t>(::syscall(SYS_gettid));
    }
    return {pid, tid};
}

std::uint64_t new_ticket() {
    // Seeded per process: a forked child must not draw its parent's next tickets.
    thread_local std::mt19937_64 rng;
    thread_local pid_t seeded_for = 0;
    if (seeded_for != this_pid()) {
        seeded_for = this_pid();
        std::random_device device;
        rng.seed((std::uint64_t{device()} << 32) ^ device() ^
                 static_cast<std::uint64_t>(seeded_for));
    }
    std::uint64_t t = 0;
    while (t == 0) t = rng();
    return t;
}

std::int64_t wait_us(std::optional<Duration> timeout) noexcept {
    if (!timeout) return -1;
    return std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::microseconds>(*timeout).count());
}

SyncHandle::SyncHandle(std::string_view kind, std::unique_ptr<Actor> actor)
    : actor_(host_actor(std::move(actor), std::string(kind) + '#' + std::to_string(++next_name))),
      owner_(own_actor(actor_)) {}

std::string SyncHandle::request(std::string_view type, std::string payload,
                                std::optional<Duration> wait) const {
    if (!actor_.valid()) throw ValueError("use of an empty sync handle");
    std::optional<Deadline> by;
    if (wait) by = deadline_after(std::max(*wait, Duration::zero()) + kGrace);
    try {
        return request_message(actor_, type, std::move(payload), by);
    } catch (const ActorDownError& e) {
        throw ActorDownError(gone_text(actor_, e.what()));
    }
}

std::string gone_text(const ActorRef& actor, const std::string& cause) {
    auto name = actor.name();
    const auto pid = actor.pid();
    // Its process may live on: the primitive stops with that process's last handle once
    // the process's children (those it serves on for) have ended.
    const std::string why =
        pid != 0 && process_running(pid)
            ? "the process that created it (pid " + std::to_string(pid) +
                  ") dropped its last handle to it, and the primitive's state with it"
            : "the process that created it (pid " + std::to_string(pid) +
                  ") has ended, and with it the primitive's state";
    return name.substr(0, name.find('#')) + " '" + name + "' is gone: " + why + " (" + cause + ")";
}

Hold* find_hold(const std::string& key) {
    auto& h = holds().by_key;
    auto it = h.find(key);
    return it == h.end() ? nullptr : &it->second;
}

Hold& hold(const std::string& key) {
    auto& h = holds().by_key[key];
    h.pid = this_pid();
    return h;
}

}  // namespace mpact::detail
