// Barrier handles: wait() is one request; the last party of a barrier with an action runs
// it and reports back before the others pass.
#include <mpact/barrier.hpp>
#include <mpact/errors.hpp>
#include <mpact/task.hpp>

#include "barrier_actor.hpp"
#include "protocol.hpp"

#include <exception>
#include <tuple>

namespace mpact {

using namespace sync_protocol;

namespace {
std::string action_name(Barrier::Action action) {
    return action == nullptr ? std::string() : task_name(action);
}
int checked_parties(int parties) {
    if (parties < 1) throw ValueError("a Barrier needs parties >= 1");
    return parties;
}
}  // namespace

Barrier::Barrier(int parties, Action action, std::optional<Duration> timeout)
    : h_("Barrier",
         std::make_unique<detail::BarrierActor>(checked_parties(parties), action != nullptr)),
      parties_(parties),
      action_(action_name(action)),
      timeout_(timeout) {}

Barrier Barrier::from_wire(const Wire& w) {
    std::optional<Duration> timeout;
    if (w.timeout_ns >= 0) timeout = Duration(w.timeout_ns);
    return Barrier(detail::SyncHandle(w.actor), w.parties, w.action, timeout);
}

int Barrier::wait_impl(std::optional<Duration> timeout) const {
    BarrierPass pass;
    try {
        pass = h_.call<BarrierPass>(BarrierWait{detail::this_owner(), detail::wait_us(timeout)},
                                    timeout);
    } catch (const TimeoutError&) {
        // No answer even after the grace period: break it, as a timeout does in Python.
        h_.send(BarrierAbort{});
        throw BrokenBarrierError("Barrier: wait() timed out (the barrier's actor did not answer)");
    }
    if (!pass.run_action) return pass.index;
    try {
        static_cast<void>(invoke_task(action_, pack(std::tuple<>{})));
    } catch (const std::exception& e) {
        h_.call(BarrierActionDone{pass.generation, false, e.what()});
        throw;
    }
    h_.call(BarrierActionDone{pass.generation, true, {}});
    return pass.index;
}

void Barrier::abort() const {
    h_.call(BarrierAbort{});
}

void Barrier::reset() const {
    h_.call(BarrierReset{});
}

int Barrier::n_waiting() const {
    return h_.call<BarrierState>(BarrierQuery{}).n_waiting;
}

bool Barrier::broken() const {
    return h_.call<BarrierState>(BarrierQuery{}).broken;
}

}  // namespace mpact
