#include "barrier_actor.hpp"

#include <chrono>
#include <utility>

namespace mpact::detail {

using namespace sync_protocol;

BarrierActor::BarrierActor(int parties, bool has_action)
    : SyncActor("Barrier"), parties_(parties), has_action_(has_action) {
    handle([this](const Checked<BarrierWait>& m, Reply<BarrierPass> reply) {
        if (!refused(m, reply)) on_wait(*m.value, std::move(reply));
    });
    handle([this](const BarrierActionDone& m) { on_action_done(m); });
    handle([this](const BarrierAbort&) { break_barrier("the barrier was aborted"); });
    handle([this](const BarrierReset&) {
        break_barrier("the barrier was reset");
        broken_ = false;
    });
    handle([this](const BarrierQuery&) {
        return BarrierState{static_cast<std::int32_t>(waiting_.size()), broken_};
    });
}

void BarrierActor::on_wait(const BarrierWait& m, Reply<BarrierPass> reply) {
    if (broken_) {
        reply.fail(BrokenBarrierError("the barrier is broken"));
        return;
    }
    watch(m.owner.pid);
    if (action_pid_) {  // this generation is complete but its action still runs
        early_.push_back({m.owner, std::move(reply), 0, m.wait_us});
        return;
    }
    const auto index = static_cast<std::int32_t>(waiting_.size());
    if (index + 1 < parties_) {
        Waiter w{m.owner, std::move(reply), 0, m.wait_us};
        if (m.wait_us > 0) {
            w.timer = start_timer(std::chrono::microseconds(m.wait_us), [this, gen = generation_] {
                if (gen == generation_) break_barrier("a party's wait() timed out");
            });
        } else if (m.wait_us == 0) {
            waiting_.push_back(std::move(w));
            break_barrier("a party's wait() timed out");
            return;
        }
        waiting_.push_back(std::move(w));
        return;
    }
    if (has_action_) {
        action_pid_ = m.owner.pid;
        reply(BarrierPass{index, true, generation_});
        return;
    }
    reply(BarrierPass{index, false, generation_});
    release_waiters();
}

void BarrierActor::on_action_done(const BarrierActionDone& m) {
    if (!action_pid_ || m.generation != generation_) return;  // broken or reset meanwhile
    action_pid_.reset();
    if (!m.ok) {
        break_barrier("the barrier's action raised: " + m.error);
        return;
    }
    release_waiters();
}

void BarrierActor::release_waiters() {
    std::int32_t index = 0;
    for (auto& w : waiting_) {
        cancel_timer(w.timer);
        w.reply(BarrierPass{index++, false, generation_});
    }
    waiting_.clear();
    ++generation_;
    // Parties that came while the action ran start the next generation, in their order.
    auto early = std::move(early_);
    early_.clear();
    for (auto& w : early) on_wait(BarrierWait{w.owner, w.wait_us}, std::move(w.reply));
}

void BarrierActor::break_barrier(const std::string& why) {
    broken_ = true;
    action_pid_.reset();
    for (auto* list : {&waiting_, &early_}) {
        for (auto& w : *list) {
            cancel_timer(w.timer);
            w.reply.fail(BrokenBarrierError(why));
        }
        list->clear();
    }
    ++generation_;
}

void BarrierActor::on_process_end(pid_t pid) {
    bool others_wait = !waiting_.empty() || !early_.empty();
    if ((others_wait || action_pid_ == pid) && !broken_) {
        break_barrier("a party's process (pid " + std::to_string(pid) +
                      ") ended while others waited");
    }
}

}  // namespace mpact::detail
