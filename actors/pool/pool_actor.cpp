#include "pool_actor.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "node/session.hpp"

namespace mpact::detail {

using namespace pool_protocol;

namespace {
constexpr auto kReapEvery = std::chrono::milliseconds(50);

std::string describe(int status) {
    if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
    if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
    return "ended";
}
}  // namespace

PoolActor::PoolActor(std::shared_ptr<PoolCore> core) : core_(std::move(core)) {
    handle([this](const Work& work, Reply<Chunk> reply) { on_work(work, std::move(reply)); });
    handle([this](const Kick&) {
        take_incoming();
        dispatch();
        wind_down();
    });
    handle([this](const Terminate&) {
        terminated_ = closed_ = true;
        take_incoming();
        kill_all();
        publish();
    });
}

void PoolActor::on_start() {
    for (int i = 0; i < core_->processes; ++i) start_worker();
    publish();
    start_timer(kReapEvery, [this] { reap(); });
}

void PoolActor::on_stop(const std::string& /*reason*/) {
    if (!workers_.empty() || !tasks_.empty()) kill_all();
}

void PoolActor::start_worker() {
    auto id = next_worker_++;
    auto pool = self();
    auto init = core_->options.initializer;
    auto maxtasks = core_->options.maxtasksperchild;
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        node_after_fork_in_child();
        worker_main(pool, id, init, maxtasks);
    }
    if (pid < 0) {
        std::fprintf(stderr, "mpact::Pool: fork failed; retrying at the next reap\n");
        return;
    }
    workers_.emplace(id, Worker{pid, {}, std::nullopt, false});
}

void PoolActor::take_incoming() {
    std::vector<std::vector<PendingTask>> chunks;
    {
        std::lock_guard lock(core_->mutex);
        chunks.swap(core_->incoming);
        closed_ = closed_ || core_->closed;
    }
    for (auto& chunk : chunks) {
        std::vector<std::uint64_t> ids;
        ids.reserve(chunk.size());
        for (auto& t : chunk) {
            ids.push_back(t.id);
            tasks_.emplace(t.id, Task{std::move(t.task), std::move(t.args), std::move(t.sink),
                                      t.index, 0});
        }
        if (terminated_) {
            for (auto id : ids) fail_task(id, "WorkerLostError", "the pool was terminated");
        } else {
            queue_.push_back(std::move(ids));
        }
    }
}

void PoolActor::on_work(const Work& work, Reply<Chunk> reply) {
    for (const auto& done : work.results) {
        auto it = tasks_.find(done.id);
        if (it == tasks_.end()) continue;  // already settled (a retry raced its original)
        auto task = std::move(it->second);
        tasks_.erase(it);
        if (done.ok) {
            task.sink->deliver(task.index, done.value);
        } else {
            task.sink->fail(task.index, TaskError{done.kind, done.message, done.stack});
        }
    }
    auto w = workers_.find(work.worker);
    if (w == workers_.end() || terminated_) {
        reply(Chunk{{}, true});
        return;
    }
    w->second.inflight.clear();
    if (!work.want_more) {
        w->second.retiring = true;
        reply(Chunk{{}, true});
        if (!closed_ || !tasks_.empty()) start_worker();
        publish();
    } else {
        w->second.idle.emplace(std::move(reply));
    }
    take_incoming();
    dispatch();
    wind_down();
}

void PoolActor::dispatch() {
    for (auto& [id, worker] : workers_) {
        if (queue_.empty()) return;
        if (!worker.idle) continue;
        Chunk chunk;
        while (chunk.items.empty() && !queue_.empty()) {
            auto ids = std::move(queue_.front());
            queue_.pop_front();
            for (auto task_id : ids) {
                auto it = tasks_.find(task_id);
                if (it == tasks_.end()) continue;
                chunk.items.push_back(Item{task_id, it->second.task, it->second.args});
                worker.inflight.push_back(task_id);
            }
        }
        if (chunk.items.empty()) return;
        auto reply = std::move(*worker.idle);
        worker.idle.reset();
        reply(chunk);
    }
}

void PoolActor::wind_down() {
    if (!closed_ || !tasks_.empty() || !queue_.empty()) return;
    for (auto& [id, worker] : workers_) {
        if (worker.idle) {
            auto reply = std::move(*worker.idle);
            worker.idle.reset();
            worker.retiring = true;
            reply(Chunk{{}, true});
        }
    }
}

void PoolActor::reap() {
    std::vector<std::pair<std::uint32_t, int>> ended;
    for (auto& [id, worker] : workers_) {
        int status = 0;
        if (::waitpid(worker.pid, &status, WNOHANG) == worker.pid) ended.emplace_back(id, status);
    }
    for (auto [id, status] : ended) {
        auto node = workers_.extract(id);
        lost(id, std::move(node.mapped()), status);
    }
    if (!ended.empty()) {
        dispatch();
        wind_down();
        publish();
    }
    start_timer(kReapEvery, [this] { reap(); });
}

void PoolActor::lost(std::uint32_t /*id*/, Worker worker, int status) {
    std::vector<std::uint64_t> retry;
    for (auto task_id : worker.inflight) {
        auto it = tasks_.find(task_id);
        if (it == tasks_.end()) continue;
        if (++it->second.attempts > core_->options.retries) {
            fail_task(task_id, "WorkerLostError",
                      "worker process " + std::to_string(worker.pid) + " " + describe(status) +
                          " while running task '" + it->second.task + "' (" +
                          std::to_string(it->second.attempts) + " attempt(s), retries = " +
                          std::to_string(core_->options.retries) + ")");
        } else {
            retry.push_back(task_id);
        }
    }
    if (!retry.empty()) queue_.push_front(std::move(retry));
    bool needed = !terminated_ && (!closed_ || !tasks_.empty());
    int active = 0;
    for (auto& [other_id, other] : workers_) active += other.retiring ? 0 : 1;
    if (needed && !worker.retiring && active < core_->processes) {
        start_worker();
    }
}

void PoolActor::fail_task(std::uint64_t id, const std::string& kind, const std::string& message) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) return;
    auto task = std::move(it->second);
    tasks_.erase(it);
    task.sink->fail(task.index, TaskError{kind, message, "mpact::Pool supervisor"});
}

void PoolActor::kill_all() {
    for (auto& [id, worker] : workers_) ::kill(worker.pid, SIGKILL);
    for (auto& [id, worker] : workers_) {
        int status = 0;
        ::waitpid(worker.pid, &status, 0);  // SIGKILLed: returns at once
    }
    workers_.clear();
    queue_.clear();
    std::vector<std::uint64_t> ids;
    for (auto& [id, task] : tasks_) ids.push_back(id);
    for (auto id : ids) {
        fail_task(id, "WorkerLostError",
                  "the pool was terminated before task '" + std::string("#") +
                      std::to_string(id) + "' finished");
    }
}

void PoolActor::publish() {
    std::vector<pid_t> pids;
    for (auto& [id, worker] : workers_) {
        if (!worker.retiring) pids.push_back(worker.pid);
    }
    {
        std::lock_guard lock(core_->mutex);
        core_->pids = std::move(pids);
        if ((closed_ || terminated_) && workers_.empty()) core_->finished = true;
    }
    core_->cv.notify_all();
}

}  // namespace mpact::detail
