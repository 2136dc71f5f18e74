#include "supervisor_actor.hpp"

#include <mpact/internal/exit_hooks.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

namespace mpact::detail {

using namespace supervisor_protocol;

namespace {
std::pair<std::string, std::string> key(const ActorRef& ref) {
    return {ref.endpoint(), ref.name()};
}
std::pair<std::string, std::string> key(const Down& d) {
    return {d.endpoint, d.name};
}

// The helper threads that stop children (ActorRef::stop blocks, so not on the actor's
// thread). They use this process's node, so the process joins them at exit, before the node
// shuts down, rather than leaving them detached (TSan saw a detached one racing the node's
// destruction).
class Stoppers {
  public:
    static Stoppers& get() {
        static auto* stoppers = new Stoppers();  // leaked: exit hooks may use it late
        return *stoppers;
    }
    void run(std::function<void()> work) {
        std::lock_guard lock(mutex_);
        if (pid_ != ::getpid()) {  // first use in this process (a forked child inherits
            for (auto& entry : threads_) static_cast<void>(entry.thread.release());  // ghosts)
            threads_.clear();
            pid_ = ::getpid();
            exited_ = false;
            at_process_exit([this] { join_all(); });
        }
        // The process is past its exit hooks (a supervisor stopped while the node shuts
        // down): no thread could be joined any more, and the children go with the process
        // (its daemon children are ended by the process registry).
        if (exited_) return;
        std::erase_if(threads_, [](Entry& entry) {
            if (!entry.done->load()) return false;
            entry.thread->join();
            return true;
        });
        auto done = std::make_shared<std::atomic<bool>>(false);
        auto thread = std::make_unique<std::thread>([work = std::move(work), done] {
            work();
            done->store(true);
        });
        threads_.push_back(Entry{std::move(thread), std::move(done)});
    }

  private:
    struct Entry {
        std::unique_ptr<std::thread> thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    void join_all() {
        std::vector<Entry> all;
        {
            std::lock_guard lock(mutex_);
            all.swap(threads_);
            exited_ = true;
        }
        for (auto& entry : all) entry.thread->join();  // each stop is bounded (2 s a child)
    }
    std::mutex mutex_;
    pid_t pid_ = 0;
    bool exited_ = false;  // join_all ran: this process is exiting
    std::vector<Entry> threads_;
};
}  // namespace

SupervisorActor::SupervisorActor(SupervisorOptions options, std::vector<ChildSpec> specs)
    : policy_(options), specs_(std::move(specs)), children_(specs_.size()) {
    handle([this](const WhichChildren&) {
        std::vector<ActorRef> refs;
        for (const auto& c : children_) refs.push_back(c.running ? c.ref : ActorRef{});
        return refs;
    });
    handle([this](const CountRestarts&) { return total_restarts_; });
    handle([this](const WhichChild& q, Reply<ActorRef> reply) {
        auto it =
            std::find_if(specs_.begin(), specs_.end(), [&](const auto& s) { return s.id == q.id; });
        if (it == specs_.end()) {
            reply.fail(ValueError("supervisor has no child '" + q.id + "'"));
            return;
        }
        waiters_.push_back(
            Waiter{static_cast<std::size_t>(it - specs_.begin()), q.not_this, std::move(reply)});
        answer_waiters();
    });
    handle([this](const ShutdownSupervisor&) { stop("shutdown"); });
    handle([this](const ChildRetiring& r) {
        for (const auto& c : children_) {
            if (c.running && c.ref == r.child) retiring_.insert(key(r.child));
        }
    });
    handle([this](const Restart& r) {
        if (r.generation != generation_ || shutting_down_) return;
        for (auto index : r.children) {
            if (specs_[index].restart == ChildRestart::temporary && children_[index].running) {
                children_[index].running = false;  // stopped with its siblings: not restarted
                continue;
            }
            start_child(index);
        }
        answer_waiters();
    });
}

void SupervisorActor::on_start() {
    for (std::size_t i = 0; i < specs_.size(); ++i) start_child(i);
}

void SupervisorActor::start_child(std::size_t index) {
    auto& child = children_[index];
    child.ready = false;
    child.running = true;
    try {
        child.ref = specs_[index].start();
    } catch (const std::exception& e) {
        // Counted like any other failure, on the next turn (not from inside a restart).
        child.ref = ActorRef{};
        auto generation = generation_;
        start_timer(std::chrono::milliseconds(10),
                    [this, index, generation, what = std::string(e.what())] {
                        if (generation == generation_ && !children_[index].ref.valid()) {
                            child_ended(index, "start failed: " + what);
                        }
                    });
        return;
    }
    auto ref = child.ref;
    when_ready(ref, specs_[index].ready_timeout,
               [this, index, ref](bool ok) { on_ready(index, ref, ok); });
}

void SupervisorActor::on_ready(std::size_t index, const ActorRef& ref, bool ok) {
    auto& child = children_[index];
    if (shutting_down_ || child.ref != ref || expected_.contains(key(ref))) return;  // superseded
    if (!ok) {
        // A child that did its work and retired before our readiness check saw it answer
        // (a pool worker with a small maxtasksperchild) ended as planned, not abnormally.
        if (retiring_.erase(key(ref)) != 0) {
            child_ended(index, "retired", false);
            return;
        }
        child_ended(index,
                    "did not come up (no answer within its ready timeout, or its process ended)");
        return;
    }
    child.ready = true;
    monitor(ref);
    answer_waiters();
}

void SupervisorActor::on_down(const Down& down) {
    if (shutting_down_) return;
    if (expected_.erase(key(down)) != 0) return;
    const bool planned = retiring_.erase(key(down)) != 0;
    for (std::size_t i = 0; i < children_.size(); ++i) {
        if (children_[i].running && key(children_[i].ref) == key(down)) {
            child_ended(i, down.reason, !planned);
            return;
        }
    }
    // an old incarnation
}

void SupervisorActor::child_ended(std::size_t index, const std::string& reason, bool counted) {
    if (!RestartPolicy::restarts(specs_[index].restart, reason)) {
        children_[index].running = false;
        children_[index].ready = false;
        answer_waiters();
        return;
    }
    if (counted && policy_.exceeded_by_restart()) {
        shutting_down_ = true;
        std::vector<std::uint32_t> all;
        for (std::size_t i = 0; i < children_.size(); ++i) {
            if (i != index && children_[i].running) all.push_back(static_cast<std::uint32_t>(i));
        }
        stop_then_restart(std::move(all), false);
        // The last reason goes with it: a start that keeps failing (too few descriptors, say)
        // must read as that, not as a crash loop.
        stop("shutdown: reached max restart intensity; child '" + specs_[index].id +
             "' last ended: " + reason);
        return;
    }
    ++total_restarts_;
    children_[index].ready = false;
    // The failed child restarts with the others its strategy names (those still running),
    // in start order, once they are stopped.
    std::vector<std::uint32_t> affected;
    for (auto i : policy_.affected(index, children_.size())) {
        if (i == index || children_[i].running) affected.push_back(static_cast<std::uint32_t>(i));
    }
    if (affected.size() == 1) {
        start_child(index);
        return;
    }
    stop_then_restart(std::move(affected), true);
}

void SupervisorActor::answer_waiters() {
    std::erase_if(waiters_, [this](Waiter& w) {
        if (w.reply.expired()) return true;
        const auto& child = children_[w.index];
        if (!child.running && !shutting_down_) {
            w.reply.fail(ActorDownError("child '" + specs_[w.index].id +
                                        "' has ended and is not restarted"));
            return true;
        }
        if (!child.ready || child.ref == w.not_this) return false;
        w.reply(child.ref);
        return true;
    });
}

void SupervisorActor::stop_then_restart(std::vector<std::uint32_t> indices, bool restart) {
    std::vector<ActorRef> to_stop;
    for (auto i : indices) {
        if (!children_[i].ref.valid()) continue;
        expected_.insert(key(children_[i].ref));
        children_[i].ready = false;
        to_stop.push_back(children_[i].ref);
    }
    auto generation = ++generation_;
    auto self_ref = self();
    Stoppers::get().run([to_stop = std::move(to_stop), indices = std::move(indices), generation,
                         self_ref, restart] {
        for (auto it = to_stop.rbegin(); it != to_stop.rend(); ++it) {  // reverse start order
            try {
                static_cast<void>(it->stop(std::chrono::seconds(2)));
            } catch (...) {
            }
        }
        if (restart) {
            try {
                self_ref.send(Restart{generation, indices});
            } catch (...) {
            }
        }
    });
}

void SupervisorActor::on_stop(const std::string& /*reason*/) {
    if (shutting_down_) return;
    shutting_down_ = true;
    std::vector<std::uint32_t> all;
    for (std::size_t i = 0; i < children_.size(); ++i) {
        if (children_[i].running) all.push_back(static_cast<std::uint32_t>(i));
    }
    stop_then_restart(std::move(all), false);
}

}  // namespace mpact::detail
