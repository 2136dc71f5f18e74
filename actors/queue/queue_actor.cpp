#include "queue_actor.hpp"

#include <mpact/internal/pidfd.hpp>
#include <mpact/queue_item.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>

namespace mpact::detail {

using namespace queue_protocol;

namespace {
// A batch stops growing past this many bytes (it always holds at least one item).
constexpr std::size_t kMaxBatchBytes = std::size_t{4} << 20;

bool sizes_match(const Items& items) {
    std::uint64_t total = 0;
    for (auto s : items.sizes) total += s;
    return total == items.bytes.size();
}

// Bad input the broker finds itself (the payload decoded, but breaks a rule): refused with
// ProtocolError and counted in NodeStats::refused, so a foreign client's mistake is seen.
template <class R>
void refuse(Reply<R>& reply, const std::string& why) {
    count_refused();
    reply.fail(ProtocolError(why));
}

// A pid names the process whose death gives back what the broker holds for it (a lease,
// credits, a parked request); one that cannot be watched (0, -1) would keep it forever.
template <class R>
bool refuse_pid(pid_t pid, const char* what, Reply<R>& reply) {
    if (pid > 0) return false;
    refuse(reply, std::string("queue ") + what + ": pid " + std::to_string(pid) +
                      " is not a process id (send the sender's own pid, > 0)");
    return true;
}
}  // namespace

QueueActor::QueueActor(std::size_t maxsize, bool joinable)
    : maxsize_(maxsize), joinable_(joinable), credits_(maxsize) {
    handle([this](Put& put, Reply<std::uint32_t> reply) { on_put(put, std::move(reply)); });
    handle([this](const Credit& credit, Reply<std::uint32_t> reply) {
        on_credit(credit, std::move(reply));
    });
    handle([this](const Release& release) {
        credits_.release(release.pid, release.credits);
        serve();
    });
    handle([this](const Get& get, Reply<Batch> reply) { on_get(get, std::move(reply)); });
    handle([this](const Return& ret) { on_return(ret); });
    handle([this](const Size&) { return static_cast<std::uint64_t>(count_); });
    handle([this](const TaskDone&) {
        if (!joinable_) throw ValueError("task_done() on a queue that is not a JoinableQueue");
        if (unfinished_ == 0) throw ValueError("task_done() called more times than items were put");
        if (--unfinished_ == 0) finish_tasks();
    });
    handle([this](const Join& join, Reply<Nil> reply) {
        if (refuse_pid(join.pid, "Join", reply)) return;
        if (!joinable_) {
            reply.fail(ValueError("join() on a queue that is not a JoinableQueue"));
            return;
        }
        if (unfinished_ == 0) {
            reply(Nil{});
            return;
        }
        watch(join.pid);
        auto ticket = ++next_ticket_;
        Parked<Nil> parked{.pid = join.pid, .reply = std::move(reply)};
        if (join.wait_us >= 0) {
            parked.timer = start_timer(std::chrono::microseconds(join.wait_us), [this, ticket] {
                auto it = joiners_.find(ticket);
                if (it == joiners_.end()) return;
                it->second.reply.fail(
                    TimeoutError("JoinableQueue.join() timed out with tasks unfinished"));
                joiners_.erase(it);
            });
        }
        joiners_.emplace(ticket, std::move(parked));
    });
}

void QueueActor::on_put(Put& put, Reply<std::uint32_t> reply) {
    if (refuse_pid(put.pid, "Put", reply)) return;
    if (put.items.sizes.empty() || !sizes_match(put.items)) {
        refuse(reply, "queue Put: item sizes do not add up to the bytes sent");
        return;
    }
    watch(put.pid);
    if (maxsize_ == 0) {
        append(std::move(put.items));
        reply(0);
        serve();
        return;
    }
    // Items spend the producer's credits; any beyond them need room of their own (a producer
    // that never asked, or one whose credits went back when its process was thought dead).
    auto n = put.items.sizes.size();
    auto covered = std::min(n, credits_.held(put.pid));
    if (n - covered > credits_.room(occupied())) {
        reply.fail(Full("the queue is full (maxsize " + std::to_string(maxsize_) +
                        "): a Put beyond the producer's credits"));
        return;
    }
    credits_.spend(put.pid, covered);
    append(std::move(put.items));
    serve();
    // Top the producer's credits up, unless others are waiting for room: they go first.
    reply(producers_.empty() ? credits_.grant(put.pid, put.want, occupied(), false) : 0);
}

void QueueActor::on_credit(const Credit& credit, Reply<std::uint32_t> reply) {
    if (refuse_pid(credit.pid, "Credit", reply)) return;
    watch(credit.pid);
    if (maxsize_ == 0) {
        reply(credit.want);  // nothing to reserve: an unbounded queue always has room
        return;
    }
    if (producers_.empty() && credits_.room(occupied()) > 0) {
        reply(credits_.grant(credit.pid, credit.want, occupied(), true));
        return;
    }
    if (credit.wait_us == 0) {
        reply.fail(Full("the queue is full (maxsize " + std::to_string(maxsize_) + ")"));
        return;
    }
    auto ticket = ++next_ticket_;
    Parked<std::uint32_t> parked{.pid = credit.pid, .reply = std::move(reply), .max = credit.want};
    if (credit.wait_us > 0) {
        parked.timer = start_timer(std::chrono::microseconds(credit.wait_us), [this, ticket] {
            auto it = producers_.find(ticket);
            if (it == producers_.end()) return;
            it->second.reply.fail(
                Full("the queue stayed full (maxsize " + std::to_string(maxsize_) + ")"));
            producers_.erase(it);
        });
    }
    producers_.emplace(ticket, std::move(parked));
}

void QueueActor::on_get(const Get& get, Reply<Batch> reply) {
    if (refuse_pid(get.pid, "Get", reply)) return;       // its lease would never come back
    if (dead_consumers_.contains(get.consumer)) return;  // its process ended meanwhile
    watch(get.pid);
    consumers_[get.consumer] = get.pid;
    // A consumer asks again only when it is done with (or never got) its last batch, and
    // has at most one request parked here: an older one timed out on its side.
    std::erase_if(getters_, [&](auto& entry) {
        if (entry.second.consumer != get.consumer) return false;
        cancel_timer(entry.second.timer);
        return true;
    });
    settle(get.consumer, get.ack);
    serve();
    if (count_ > 0) {
        reply(lease(get.consumer, get.pid, std::max<std::size_t>(get.max, 1)));
        serve();
        return;
    }
    if (get.wait_us == 0) {
        reply.fail(Empty("the queue is empty"));
        return;
    }
    auto ticket = ++next_ticket_;
    Parked<Batch> parked{.pid = get.pid,
                         .reply = std::move(reply),
                         .consumer = get.consumer,
                         .max = std::max<std::uint32_t>(get.max, 1)};
    if (get.wait_us > 0) {
        parked.timer = start_timer(std::chrono::microseconds(get.wait_us), [this, ticket] {
            auto it = getters_.find(ticket);
            if (it == getters_.end()) return;
            it->second.reply.fail(Empty("the queue stayed empty"));
            getters_.erase(it);
        });
    }
    getters_.emplace(ticket, std::move(parked));
}

void QueueActor::on_return(const Return& ret) {
    auto it = leases_.find(ret.consumer);
    if (it == leases_.end() || it->second.id != ret.lease) return;  // settled already
    auto runs = std::move(it->second.runs);
    prefetched_ -= it->second.extra;
    leases_.erase(it);
    requeue(std::move(runs), ret.used);
    serve();
}

void QueueActor::on_down(const Down& down) {
    pid_t pid = ActorRef(down.endpoint, down.name).pid();
    if (pid == 0) return;
    watched_.erase(pid);
    for (auto it = consumers_.begin(); it != consumers_.end();) {
        if (it->second != pid) {
            ++it;
            continue;
        }
        dead_consumers_.insert(it->first);
        if (auto lease = leases_.find(it->first); lease != leases_.end()) {
            requeue(std::move(lease->second.runs), 0);  // it may have died before reading it
            prefetched_ -= lease->second.extra;
            leases_.erase(lease);
        }
        it = consumers_.erase(it);
    }
    auto drop_pid = [&](auto& parked) {
        std::erase_if(parked, [&](auto& entry) {
            if (entry.second.pid != pid) return false;
            cancel_timer(entry.second.timer);
            return true;
        });
    };
    drop_pid(getters_);
    drop_pid(producers_);
    drop_pid(joiners_);
    credits_.forget(pid);  // room it reserved and never filled is free again
    serve();
}

void QueueActor::on_stop(const std::string& /*reason*/) {
    auto discard_run = [](const ItemRun& run) {
        std::size_t offset = run.offset;
        for (std::size_t i = run.first; i < run.sizes.size(); ++i) {
            discard_item(std::string_view(run.bytes).substr(offset, run.sizes[i]));
            offset += run.sizes[i];
        }
    };
    for (const auto& run : runs_) discard_run(run);
    for (const auto& [consumer, lease] : leases_) {
        for (const auto& run : lease.runs) discard_run(run);
    }
}

void QueueActor::append(Items&& items) {
    ItemRun run{.seq = next_seq_, .sizes = std::move(items.sizes), .bytes = std::move(items.bytes)};
    next_seq_ += run.sizes.size();
    count_ += run.sizes.size();
    if (joinable_) unfinished_ += run.sizes.size();
    runs_.push_back(std::move(run));
}

void QueueActor::requeue(std::vector<ItemRun>&& runs, std::size_t used) {
    for (auto& run : runs) {
        while (used > 0 && run.left() > 0) {
            run.offset += run.sizes[run.first++];
            ++run.seq;
            --used;
        }
        if (run.left() == 0) continue;
        count_ += run.left();
        auto at = std::upper_bound(runs_.begin(), runs_.end(), run.seq,
                                   [](std::uint64_t seq, const ItemRun& r) { return seq < r.seq; });
        runs_.insert(at, std::move(run));
    }
}

void QueueActor::settle(std::uint64_t consumer, std::uint64_t ack) {
    auto it = leases_.find(consumer);
    if (it == leases_.end()) return;
    if (it->second.id != ack) requeue(std::move(it->second.runs), 0);  // never received
    prefetched_ -= it->second.extra;
    leases_.erase(it);
}

Batch QueueActor::lease(std::uint64_t consumer, pid_t pid, std::size_t max) {
    Batch batch;
    batch.lease = ++next_lease_;
    Lease held{.id = batch.lease, .pid = pid, .runs = {}};
    std::size_t bytes = 0;
    while (max > 0 && !runs_.empty()) {
        auto& run = runs_.front();
        std::size_t take = 0, size = 0;
        while (take < std::min(max, run.left())) {
            auto next = run.sizes[run.first + take];
            if (bytes + size > 0 && bytes + size + next > kMaxBatchBytes) break;
            size += next;
            ++take;
        }
        if (take == 0) break;
        auto begin = run.sizes.begin() + static_cast<std::ptrdiff_t>(run.first);
        batch.items.sizes.insert(batch.items.sizes.end(), begin,
                                 begin + static_cast<std::ptrdiff_t>(take));
        batch.items.bytes.append(run.bytes, run.offset, size);
        if (take == run.left()) {
            held.runs.push_back(std::move(run));
            runs_.pop_front();
        } else {
            ItemRun part{.seq = run.seq,
                         .sizes = std::vector<std::uint32_t>(
                             begin, begin + static_cast<std::ptrdiff_t>(take)),
                         .bytes = run.bytes.substr(run.offset, size)};
            held.runs.push_back(std::move(part));
            run.first += take;
            run.offset += size;
            run.seq += take;
        }
        count_ -= take;
        max -= take;
        bytes += size;
        if (bytes >= kMaxBatchBytes) break;
    }
    // Beyond the item its get() returns at once, a consumer holds the rest for later gets:
    // they still take room in a bounded queue until the lease is settled.
    held.extra = batch.items.sizes.empty() ? 0 : batch.items.sizes.size() - 1;
    prefetched_ += held.extra;
    if (auto old = leases_.find(consumer); old != leases_.end()) prefetched_ -= old->second.extra;
    leases_[consumer] = std::move(held);
    return batch;
}

void QueueActor::serve() {
    bool progress = true;
    while (progress) {
        progress = false;
        while (count_ > 0 && !getters_.empty()) {
            auto it = getters_.begin();
            auto& g = it->second;
            cancel_timer(g.timer);
            // A getter that died while parked must not take items with it (its Down may
            // still be on the way).
            bool alive = g.pid == ::getpid() || process_running(g.pid);
            if (alive && !g.reply.expired()) {
                // Share what there is among the waiting getters, in their order.
                std::size_t share = (count_ + getters_.size() - 1) / getters_.size();
                g.reply(lease(g.consumer, g.pid, std::min<std::size_t>(g.max, share)));
                progress = true;
            }
            getters_.erase(it);
        }
        while (!producers_.empty() && credits_.room(occupied()) > 0) {
            auto it = producers_.begin();
            cancel_timer(it->second.timer);
            if (!it->second.reply.expired()) {
                it->second.reply(credits_.grant(it->second.pid, it->second.max, occupied(), true));
            }
            producers_.erase(it);
        }
    }
}

void QueueActor::watch(pid_t pid) {
    if (pid <= 0 || pid == ::getpid() || !watched_.insert(pid).second) return;
    monitor_process(pid);
}

void QueueActor::finish_tasks() {
    for (auto& [ticket, joiner] : joiners_) {
        cancel_timer(joiner.timer);
        joiner.reply(Nil{});
    }
    joiners_.clear();
}

}  // namespace mpact::detail
