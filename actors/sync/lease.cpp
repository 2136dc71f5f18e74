// Lock leases, a process's side: the registry of this process's slots (one per lock), the
// LeaseAgent actor that lock actors send revokes and foreign releases to, and what a fork and
// a process's end do to leases.
#include "lease.hpp"

#include <mpact/actor.hpp>
#include <mpact/internal/exit_hooks.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/internal/this_pid.hpp>

#include "holds.hpp"
#include "protocol.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <new>
#include <unordered_map>
#include <vector>

namespace mpact::detail {

using namespace sync_protocol;

namespace {

// Process-local: the agent watches a lock's actor for this process's slot of it.
struct LeaseWatch {
    static constexpr std::string_view mpact_name = "sync.LeaseWatch";
    ActorRef lock;
    MSGPACK_DEFINE(lock)
};

struct Registry {
    std::mutex mu;  // by_key; taken before a slot's mu, never while holding one
    // Slots live on after the process's last handle to their lock: a lease outlives the
    // handles (a child's task arguments are gone before its exit returns the lease).
    std::unordered_map<std::string, std::shared_ptr<LeaseSlot>> by_key;
    std::size_t prune_at = 64;

    std::mutex agent_mu;  // hosting the agent; its handlers never take it
    ActorRef agent;
    pid_t agent_for = 0;

    std::atomic<std::uint64_t> revokes{0}, returns{0}, max_burst{0};
    std::atomic<pid_t> hooked_for{0};  // the process whose exit hook is registered
};

void after_fork_in_child();

Registry& registry() {
    // Leaked: exit hooks and the agent may use it while statics are destroyed.
    static Registry* r = [] {
        auto* made = new Registry;
        ::pthread_atfork([] { registry().mu.lock(); }, [] { registry().mu.unlock(); },
                         after_fork_in_child);
        return made;
    }();
    return *r;
}

std::vector<std::shared_ptr<LeaseSlot>> all_slots() {
    auto& r = registry();
    std::vector<std::shared_ptr<LeaseSlot>> out;
    std::scoped_lock g(r.mu);
    out.reserve(r.by_key.size());
    for (auto& [key, s] : r.by_key) out.push_back(s);
    return out;
}

// The slot whose lease (or request in flight) has `ticket`, or null.
std::shared_ptr<LeaseSlot> slot_of(std::uint64_t ticket) {
    for (auto& s : all_slots()) {
        std::scoped_lock g(s->mu);
        if ((s->leased && s->ticket == ticket) || (s->requesting && s->request_ticket == ticket)) {
            return s;
        }
    }
    return nullptr;
}

// The child holds no lease: they were its parent's. Its slots start empty; a condition
// variable some parent thread waited on is made anew (its waiters do not exist here).
void after_fork_in_child() {
    auto& r = registry();
    for (auto& [key, s] : r.by_key) {
        new (&s->mu) std::mutex;
        new (&s->cv) std::condition_variable;
        s->leased = s->plain = s->requesting = s->revoked = s->locked = s->watched = false;
        s->ticket = s->request_ticket = s->early_revoke = 0;
        s->burst_left = 0;
        s->owner_tid = 0;
        s->depth = 0;
        s->down.clear();
        s->cache.clear();
    }
    r.mu.unlock();
    new (&r.agent_mu) std::mutex;
    r.agent = ActorRef{};
    r.agent_for = 0;
}

// One per process: receives what lock actors ask of this process's leases.
class LeaseAgent : public Actor {
  public:
    LeaseAgent() {
        handle([this](const LeaseRevoke& m) { on_revoke(m); });
        handle([this](const LeaseForeignRelease& m) { on_foreign_release(m); });
        handle([this](const LeaseWatch& m) { monitor(m.lock); });
    }

  private:
    void on_revoke(const LeaseRevoke& m) {
        auto s = slot_of(m.ticket);
        if (!s) return;  // that lease is over already
        std::scoped_lock g(s->mu);
        if (!s->leased) {
            // Its grant is still on the way to the requesting thread: it applies it there.
            if (!m.probe) s->early_revoke = m.ticket;
            if (!m.probe) expire_later(m.ticket);
            return;
        }
        if (!m.probe) registry().revokes.fetch_add(1, std::memory_order_relaxed);
        if (!s->locked) {
            s->give_back();
            return;
        }
        if (m.probe) {
            s->lock.send(LeaseBusy{m.ticket});
            return;
        }
        s->start_burst();
        expire_later(m.ticket);
    }

    // When the burst's time is up: a lease no thread holds goes back now, a held one at its
    // release.
    void expire_later(std::uint64_t ticket) {
        start_timer(kLeaseBurstTime, [this, ticket] {
            auto s = slot_of(ticket);
            if (!s) return;
            std::scoped_lock g(s->mu);
            if (!s->leased) {
                if (s->requesting) expire_later(ticket);  // the grant is still being applied
                return;
            }
            if (!s->revoked) s->start_burst();
            s->burst_left = 0;
            if (!s->locked) s->give_back();
        });
    }

    void on_foreign_release(const LeaseForeignRelease& m) {
        LeaseForeignReleased answer{m.id, LeaseForeignReleased::stale};
        auto s = slot_of(m.ticket);
        if (s) {
            std::scoped_lock g(s->mu);
            if (s->leased && s->ticket == m.ticket) {
                if (s->locked) {
                    s->locked = false;
                    s->owner_tid = 0;
                    s->depth = 0;
                    answer.result = LeaseForeignReleased::released;
                    if (s->revoked) {
                        s->give_back();
                    } else {
                        s->cv.notify_all();
                    }
                } else {
                    answer.result = LeaseForeignReleased::not_locked;
                }
            }
            s->lock.send(answer);
            return;
        }
        // No slot has that lease: answer its sender (the lock actor).
        if (sender().valid()) sender().send(answer);
    }

    void on_down(const Down& down) override {
        for (auto& s : all_slots()) {
            std::scoped_lock g(s->mu);
            if (s->lock.endpoint() != down.endpoint || s->lock.name() != down.name) continue;
            s->down = gone_text(s->lock, down.reason);
            s->leased = false;
            s->locked = false;
            s->cv.notify_all();
        }
    }
};

// At a normal end, leases no thread holds go back, so the next owner does not read
// owner_died() for a process that held nothing. A lease held at exit stays: the lock
// actor sees the process end, as it would a crash (exit while holding).
void return_leases_at_exit() {
    auto give_back_idle = [] {
        for (auto& s : all_slots()) {
            std::scoped_lock g(s->mu);
            if (s->leased && !s->plain && !s->locked) s->give_back();
        }
    };
    // Sent from the node's thread: hooks may run from atexit, after this thread's links
    // (thread-local) are gone.
    auto& node = Node::get();
    if (node.on_io_thread()) {
        give_back_idle();
    } else {
        node.run_sync(give_back_idle);
        wait_for_write_backs(std::chrono::seconds(5));
    }
}

}  // namespace

void LeaseSlot::start_burst() {
    revoked = true;
    burst_left = kLeaseBurstAcquires;
    burst_end = Clock::now() + kLeaseBurstTime;
}

bool LeaseSlot::may_take_locally() {
    if (!leased || locked || plain) return false;
    if (!revoked) return true;
    if (burst_left > 0 && Clock::now() < burst_end) {
        --burst_left;
        return true;
    }
    return false;
}

void LeaseSlot::give_back() {
    if (revoked) count_burst(static_cast<std::uint64_t>(kLeaseBurstAcquires - burst_left));
    const auto t = ticket;
    leased = revoked = false;
    ticket = 0;
    burst_left = 0;
    registry().returns.fetch_add(1, std::memory_order_relaxed);
    std::vector<WriteBack> dirty;
    for (auto& c : cache) {
        for (auto& [i, e] : c.elements) {
            if (e.dirty) dirty.push_back({c.value, i, std::move(e.bytes)});
        }
    }
    cache.clear();
    if (!dirty.empty()) {
        write_back_then_return(std::move(dirty), lock, t);
    } else {
        try {
            lock.send(LeaseReturn{this_owner(), t});
        } catch (const std::exception&) {
            // The lock's node is unreachable: its actor is gone, and its Down tells this slot.
        }
    }
    cv.notify_all();
}

std::shared_ptr<LeaseSlot> lease_slot(const ActorRef& lock) {
    auto& r = registry();
    const auto key = lock.endpoint() + '#' + lock.name();
    std::shared_ptr<LeaseSlot> s;
    {
        std::scoped_lock g(r.mu);
        auto& slot = r.by_key[key];
        if (!slot) slot = std::make_shared<LeaseSlot>(lock);
        s = slot;
        if (r.by_key.size() > r.prune_at) {
            // Forget the slots of locks this process neither holds nor has a handle to.
            std::erase_if(r.by_key, [](auto& entry) {
                const auto& kept = entry.second;
                if (kept.use_count() > 1) return false;
                std::scoped_lock sg(kept->mu);
                return !kept->leased && !kept->requesting;
            });
            r.prune_at = std::max<std::size_t>(64, 2 * r.by_key.size());
        }
    }
    return s;
}

void ensure_lease_exit_hook() {
    // Per process: a forked child inherits its parent's slots, not its exit hooks.
    auto& r = registry();
    const auto me = this_pid();
    if (r.hooked_for.exchange(me) != me) at_process_exit(return_leases_at_exit);
}

ActorRef lease_agent() {
    auto& r = registry();
    std::scoped_lock g(r.agent_mu);
    if (r.agent_for != this_pid()) {
        r.agent =
            host_actor(std::make_unique<LeaseAgent>(), "lease-agent." + std::to_string(this_pid()));
        r.agent_for = this_pid();
    }
    return r.agent;
}

void watch_lease(LeaseSlot& s) {
    lease_agent().send(LeaseWatch{s.lock});
}

LeaseStats lease_stats() {
    auto& r = registry();
    return {r.revokes.load(), r.returns.load(), r.max_burst.load()};
}

void count_burst(std::uint64_t acquires_after_revoke) {
    auto& m = registry().max_burst;
    auto seen = m.load(std::memory_order_relaxed);
    while (acquires_after_revoke > seen && !m.compare_exchange_weak(seen, acquires_after_revoke)) {
    }
}

}  // namespace mpact::detail
