#pragma once
// SyncActor: what every sync actor shares — it watches the processes that hold or wait (a
// pidfd each, so a SIGKILL is seen at once), tells the primitive when one ends, and refuses
// bad input (undecodable, a pid that is no process, a forged owner) with ProtocolError,
// counted in NodeStats::refused; refused input never changes the primitive's state.
#include <mpact/actor.hpp>
#include <mpact/errors.hpp>

#include "checked.hpp"
#include "protocol.hpp"

#include <sys/types.h>

#include <string>
#include <unordered_set>

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
