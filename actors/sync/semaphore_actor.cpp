#include "semaphore_actor.hpp"

#include <algorithm>
#include <utility>

namespace mpact::detail {

using namespace sync_protocol;

namespace {
constexpr std::size_t kRecentGrants = 256;
}

SemaphoreActor::SemaphoreActor(std::int64_t value, bool bounded)
    : SyncActor(bounded ? "BoundedSemaphore" : "Semaphore"),
      value_(value),
      initial_(value),
      bounded_(bounded) {
    handle([this](const Checked<SemAcquire>& m, Reply<bool> reply) {
        if (!refused(m, reply)) on_acquire(*m.value, std::move(reply));
    });
    handle([this](const Checked<SemRelease>& m, Reply<Nil> reply) {
        if (!refused(m, reply)) on_release(*m.value, std::move(reply));
    });
    handle([this](const Checked<SemCancel>& m) {
        if (m.value) {
            on_cancel(*m.value);
        } else {
            count_refused();
        }
    });
    handle([this](const SemValue&) { return value_; });
}

void SemaphoreActor::grant(const Owner& owner, std::uint64_t ticket, Reply<bool>& reply) {
    --value_;
    ++held_[owner.pid];
    recent_.emplace_back(ticket, owner.pid);
    if (recent_.size() > kRecentGrants) recent_.pop_front();
    reply(true);
}

void SemaphoreActor::on_acquire(const SemAcquire& m, Reply<bool> reply) {
    watch(m.owner.pid);
    if (value_ > 0 && waiters_.empty()) {
        grant(m.owner, m.ticket, reply);
        return;
    }
    if (m.wait_us == 0) {
        reply(false);
        return;
    }
    park(waiters_, {m.owner, m.ticket, std::move(reply)}, m.wait_us, false);
}

void SemaphoreActor::on_release(const SemRelease& m, Reply<Nil> reply) {
    if (bounded_ && value_ >= initial_) {
        reply.fail(ValueError("semaphore or lock released too many times"));
        return;
    }
    ++value_;
    if (auto it = held_.find(m.owner.pid); it != held_.end() && it->second > 0) --it->second;
    reply(Nil{});
    serve();
}

void SemaphoreActor::on_cancel(const SemCancel& m) {
    auto granted = std::find(recent_.begin(), recent_.end(), std::pair{m.ticket, m.owner.pid});
    if (granted != recent_.end()) {
        recent_.erase(granted);
        give_back(m.owner.pid, 1);
        serve();
        return;
    }
    drop_if(waiters_, [&](auto& w) { return w.ticket == m.ticket && w.owner.pid == m.owner.pid; });
}

void SemaphoreActor::give_back(pid_t pid, std::int64_t units) {
    auto it = held_.find(pid);
    if (it == held_.end()) return;
    units = std::min(units, it->second);
    it->second -= units;
    value_ += units;
    if (bounded_) value_ = std::min(value_, initial_);
    if (it->second == 0) held_.erase(it);
}

void SemaphoreActor::on_process_end(pid_t pid) {
    drop_if(waiters_, [&](auto& w) { return w.owner.pid == pid; });
    std::erase_if(recent_, [&](auto& g) { return g.second == pid; });
    if (auto it = held_.find(pid); it != held_.end()) give_back(pid, it->second);
    serve();
}

void SemaphoreActor::serve() {
    while (value_ > 0) {
        auto w = next_live(waiters_);
        if (!w) return;
        grant(w->owner, w->ticket, w->reply);
    }
}

}  // namespace mpact::detail
