#include <mpact/errors.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/internal/session.hpp>
#include <mpact/node.hpp>

#include "net/curve_keys.hpp"
#include "net/net_config.hpp"
#include "process/child_role.hpp"
#include "transport/lane.hpp"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace mpact {

namespace {
// 50 us: a wait often spans more than one hop (a Pool result: user thread → I/O thread →
// worker → I/O thread → user thread, ~20 us when nobody sleeps); at 20 us its waiters slept
// anyway (apply_async 78-96 us against 31 at 50 us, docs/architecture.md "Lanes").
constexpr Duration kDefaultSpin = std::chrono::microseconds(50);
std::atomic<std::int64_t> g_spin_ns{-1};  // -1: not decided yet (MPACT_SPIN_US decides)

// A process allowed on one CPU only (taskset -c 0, a 1-CPU cgroup or VM): while it spins
// the peer cannot run to answer, so a spin is only lost time (pinned, actor_rtt_ipc p99 was
// 59.8 us spinning and 45.7 us not).
bool one_cpu() noexcept {
    cpu_set_t set;
    CPU_ZERO(&set);
    return ::sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) == 1;
}
}  // namespace

void init(int argc, char** argv) {
    // A spawn child or the forkserver becomes its role here and never returns.
    detail::run_role_if_requested(argc, argv);
    // A root told to share a key by file learns now, not at its first message, that the
    // file will not do.
    if (const char* file = std::getenv("MPACT_AUTHKEY_FILE"); file != nullptr && *file != '\0') {
        if (detail::Node::peek() == nullptr)
            detail::set_session_authkey(detail::read_authkey_file(file));
    }
}

void init(int argc, char** argv, const InitOptions& options) {
    if (options.spin) {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(*options.spin).count();
        ::setenv("MPACT_SPIN_US", std::to_string(std::max<std::int64_t>(us, 0)).c_str(), 1);
        g_spin_ns.store(std::max<std::int64_t>(options.spin->count(), 0));
    }
    if (options.lane) {
        ::setenv("MPACT_LANE", *options.lane ? "1" : "0", 1);
        detail::set_lanes_enabled(*options.lane);
    }
    if (options.insecure_plaintext_tcp) {
        ::setenv("MPACT_INSECURE_PLAINTEXT_TCP", *options.insecure_plaintext_tcp ? "1" : "0", 1);
        detail::set_insecure_plaintext_tcp(*options.insecure_plaintext_tcp);
    }
    if (options.listen) {
        if (detail::Node::peek() != nullptr) {
            throw ValueError(
                "InitOptions::listen must reach mpact::init before the first mpact "
                "call of this process (its node has started already)");
        }
        detail::set_listen_address(*options.listen);
    }
    if (options.authkey) {
        detail::set_session_authkey(*options.authkey);
        // The given key wins over MPACT_AUTHKEY_FILE.
        detail::run_role_if_requested(argc, argv);
        return;
    }
    init(argc, argv);
}

Duration default_spin() noexcept {
    auto ns = g_spin_ns.load(std::memory_order_relaxed);
    if (ns < 0) {
        // A forked child decides again (it may be allowed on other CPUs); what the environment
        // says it reads the same.
        // (An atomic, not a guarded static: a guard held by this thread when another forks
        // stays held in the child.)
        static std::atomic<bool> registered{false};
        if (!registered.exchange(true)) {
            ::pthread_atfork(nullptr, nullptr, [] { g_spin_ns.store(-1); });
        }
        ns = one_cpu() ? 0 : kDefaultSpin.count();
        if (const char* env = std::getenv("MPACT_SPIN_US"); env != nullptr && *env != '\0') {
            char* end = nullptr;
            long long us = std::strtoll(env, &end, 10);
            if (end != env && *end == '\0') ns = std::max<long long>(us, 0) * 1000;
        }
        g_spin_ns.store(ns, std::memory_order_relaxed);
    }
    return Duration(ns);
}

NodeStats node_stats() {
    auto& c = detail::Node::get().counters();
    NodeStats s{c.received.load(),       c.delivered.load(),      c.malformed.load(),
                c.oversized.load(),      c.unknown_actor.load(),  c.expired.load(),
                c.handler_errors.load(), detail::refused_count(), c.unmatched.load()};
    s.lane_received = c.lane_received.load();
    s.lane_sent = c.lane_sent.load();
    s.zmq_sent = c.zmq_sent.load();
    s.lanes_accepted = c.lanes_accepted.load();
    s.lanes_refused = c.lanes_refused.load();
    s.lanes_opened = c.lanes_opened.load();
    s.lanes_closed = c.lanes_closed.load();
    s.lanes_no_descriptors = c.lanes_no_descriptors.load();
    s.lane_syncs = c.lane_syncs.load();
    s.lane_syncs_abandoned = c.lane_syncs_abandoned.load();
    s.refused_auth = c.refused_auth.load();
    return s;
}

std::string node_endpoint() {
    return detail::Node::get().endpoint();
}

std::string node_address() {
    auto& node = detail::Node::get();
    return node.tcp_endpoint().empty() ? node.endpoint() : node.tcp_endpoint();
}

std::string node_endpoint(int pid) {
    return detail::endpoint_for_pid(pid);
}

void set_max_message_size(std::uint64_t bytes) {
    detail::Node::get().set_max_message_size(bytes);
}

}  // namespace mpact
