#pragma once
// SyncActor: what every sync actor shares — it watches the processes that hold or wait (a
// pidfd each, so a SIGKILL is seen at once), tells the primitive when one ends, and refuses
// bad input (undecodable, a pid that is no process, a forged owner) with ProtocolError,
// counted in NodeStats::refused; refused input never changes the primitive's state.
#include <mpact/actor.hpp>
#include <mpact/errors.hpp>

#include "checked.hpp"
#include "protocol.hpp"
#include "wait_queue.hpp"

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>

namespace mpact::detail {

class SyncActor : public Actor {
  protected:
    using Nil = msgpack::type::nil_t;

    // Watches `pid` (once) so on_process_end(pid) runs when it ends.
    void watch(pid_t pid);
    // The process ended: give back what it held, drop what it waited for.
    virtual void on_process_end(pid_t pid) = 0;
    // True while `pid` runs (this process included): a Down may still be on its way.
    [[nodiscard]] static bool alive(pid_t pid) noexcept;

    // Parks `w` at the back of `q`. A wait bound (`wait_us` > 0, microseconds) answers it
    // `on_timeout` when it passes and drops it; -1 parks it while its process lives.
    template <class R>
    void park(WaitQueue<R>& q, Waiter<R> w, std::int64_t wait_us, R on_timeout) {
        const auto id = ++q.next_id;
        if (wait_us > 0) {
            w.timer = start_timer(std::chrono::microseconds(wait_us),
                                  [this, &q, id, answer = std::move(on_timeout)]() mutable {
                                      auto it = q.by_arrival.find(id);
                                      if (it == q.by_arrival.end()) return;
                                      it->second.reply(std::move(answer));
                                      q.by_arrival.erase(it);
                                  });
        }
        q.by_arrival.emplace(id, std::move(w));
    }
    // Drops, unanswered, the waiters `pick` chooses (a cancel, a process that ended).
    template <class R, class Pick>
    void drop_if(WaitQueue<R>& q, Pick pick) {
        std::erase_if(q.by_arrival, [&](auto& entry) {
            if (!pick(entry.second)) return false;
            cancel_timer(entry.second.timer);
            return true;
        });
    }
    // Takes the oldest waiter still worth serving out of `q`. One whose process died may not
    // have been reported yet, one whose requester gave up will cancel: both are dropped.
    template <class R>
    std::optional<Waiter<R>> next_live(WaitQueue<R>& q) {
        while (!q.empty()) {
            auto w = std::move(q.by_arrival.begin()->second);
            q.by_arrival.erase(q.by_arrival.begin());
            cancel_timer(w.timer);
            if (alive(w.owner.pid) && !w.reply.expired()) return w;
        }
        return std::nullopt;
    }

    // Refuses a request; returns true when `m` is unusable (undecodable, bad owner).
    template <class M, class R>
    bool refused(const Checked<M>& m, Reply<R>& reply) {
        if (m.value && m.value->owner.pid > 0) return false;
        refuse(reply,
               m.value ? "owner pid " + std::to_string(m.value->owner.pid) + " is not a process id"
                       : m.error);
        return true;
    }
    template <class R>
    void refuse(Reply<R>& reply, const std::string& why) {
        count_refused();
        reply.fail(ProtocolError(std::string(kind_) + ": " + why));
    }
    explicit SyncActor(const char* kind) : kind_(kind) {}
    const char* kind_;

  private:
    void on_down(const Down& down) final;
    std::unordered_set<pid_t> watched_;
};

}  // namespace mpact::detail
