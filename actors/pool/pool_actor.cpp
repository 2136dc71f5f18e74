#include "pool_actor.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "node/session.hpp"

namespace mpact::detail {

using namespace pool_protocol;

namespace {
constexpr auto kReapEvery = std::chrono::milliseconds(50);

// `code` is a Process exit code: -N after signal N.
std::string describe(int code) {
    if (code < 0) return "was killed by signal " + std::to_string(-code);
    return "exited with code " + std::to_string(code);
}
}  // namespace

PoolActor::PoolActor(std::shared_ptr<PoolCore> core)
    : core_(std::move(core)),
      early_deaths_({.strategy = RestartStrategy::one_for_one,
                     .intensity = std::max(3, 2 * core_->processes) - 1,
                     .period = Duration::max()}) {
    handle([this](const Work& work, Reply<Chunk> reply) { on_work(work, std::move(reply)); });
    handle([this](const Partial& partial) { settle(partial.results); });
    handle([this](const Kick&) { kick(); });
    handle([this](const Terminate&) {
        terminated_ = closed_ = true;
        take_incoming();
        kill_all();
        publish();
    });
}

PoolActor::~PoolActor() {
    if (core_->live == this) core_->live = nullptr;
}

void PoolActor::kick() {
    take_incoming();
    dispatch();
    wind_down();
}

void PoolActor::on_start() {
    core_->live = this;
    for (int i = 0; i < core_->processes; ++i) start_worker();
    publish();
    start_timer(kReapEvery, [this] { reap(); });
}

void PoolActor::on_stop(const std::string& /*reason*/) {
    core_->live = nullptr;
    if (!workers_.empty() || !tasks_.empty()) kill_all();
}

void PoolActor::start_worker() {
    auto id = next_worker_++;
    auto pool = self();
    auto init = core_->options.initializer;
    auto maxtasks = core_->options.maxtasksperchild;
    // Workers are Processes: by default the forkserver starts them, so no worker is forked
    // from this multi-threaded process (a fork here can inherit a lock held by another
    // thread; ASan's allocator showed it).
    auto process = std::make_shared<Process>(
        ProcessOptions{.name = "PoolWorker-" + std::to_string(id), .daemon = true,
                       .start_method = core_->options.start_method},
        &mpact_pool_worker, pool, id, init, maxtasks);
    try {
        process->start();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mpact::Pool: cannot start a worker (%s); retrying at the next reap\n",
                     e.what());
        return;
    }
    Worker worker;
    worker.pid = *process->pid();
    worker.process = std::move(process);
    workers_.emplace(id, std::move(worker));
}

void PoolActor::take_incoming() {
    std::vector<PendingChunk> chunks;
    {
        std::lock_guard lock(core_->mutex);
        chunks.swap(core_->incoming);
        closed_ = closed_ || core_->closed;
    }
    for (auto& c : chunks) {
        tasks_.emplace(c.id, Task{std::move(c.task), c.count, std::move(c.args), std::move(c.sink),
                                  c.first, 0});
        if (terminated_) {
            fail_task(c.id, "WorkerLostError", "the pool was terminated");
        } else {
            queue_.push_back(c.id);
        }
    }
}

void PoolActor::settle(const std::vector<Done>& results) {
    for (const auto& done : results) {
        auto it = tasks_.find(done.id);
        if (it == tasks_.end()) continue;  // already settled (a retry raced its original)
        auto task = std::move(it->second);
        tasks_.erase(it);
        ChunkResult result{task.first, task.count, done.results, {}};
        for (const auto& f : done.failures) {
            result.errors.emplace_back(f.offset, TaskError{f.kind, f.message, f.stack});
        }
        task.sink->deliver(std::move(result));
    }
}

void PoolActor::on_work(const Work& work, Reply<Chunk> reply) {
    settle(work.results);
    auto w = workers_.find(work.worker);
    if (w == workers_.end() || terminated_) {
        reply(Chunk{{}, true});
        return;
    }
    w->second.inflight.clear();
    w->second.started = true;
    early_deaths_.reset();
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
    constexpr std::size_t kBatchItems = 256;  // chunks of one message, when many are queued
    std::size_t active = 0;
    for (auto& [id, worker] : workers_) active += worker.retiring ? 0 : 1;
    for (auto& [id, worker] : workers_) {
        if (queue_.empty()) return;
        if (!worker.idle) continue;
        // Many queued chunks: several travel as one message, leaving at least as many for the
        // other workers. Few: one chunk per message, so a slow task delays no other.
        const std::size_t per = std::max<std::size_t>(active, 1);
        const std::size_t share = queue_.size() > 4 * per ? queue_.size() / (2 * per) : 1;
        std::size_t budget = kBatchItems;
        if (core_->options.maxtasksperchild > 0) {
            auto left = static_cast<std::size_t>(core_->options.maxtasksperchild) -
                        std::min<std::size_t>(worker.given, core_->options.maxtasksperchild);
            budget = std::min(budget, std::max<std::size_t>(left, 1));
        }
        Chunk chunk;
        std::size_t items = 0;
        while (!queue_.empty() && chunk.items.size() < share &&
               (chunk.items.empty() || items < budget)) {
            auto task_id = queue_.front();
            auto it = tasks_.find(task_id);
            if (it == tasks_.end()) {
                queue_.pop_front();
                continue;
            }
            if (!chunk.items.empty() && items + it->second.count > budget) break;
            queue_.pop_front();
            chunk.items.push_back(Item{task_id, it->second.task, it->second.count, it->second.args});
            items += it->second.count;
            worker.inflight.push_back(task_id);
        }
        worker.given += items;
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
        if (auto code = worker.process->exitcode()) ended.emplace_back(id, *code);
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
    queue_.insert(queue_.begin(), retry.begin(), retry.end());
    if (!worker.started && !worker.retiring && early_deaths_.exceeded_by_restart()) {
        // Workers die before asking for work (a failing initializer?): fail what waits
        // rather than hang, as Python would.
        std::vector<std::uint64_t> waiting(queue_.begin(), queue_.end());
        queue_.clear();
        for (auto task_id : waiting) {
            fail_task(task_id, "ProcessError",
                      "pool workers keep dying before taking any work (worker process " +
                          std::to_string(worker.pid) + " " + describe(status) +
                          "); is the initializer failing?");
        }
        early_deaths_.reset();
    }
    // A retiring worker's exit is its normal end (its replacement started when it retired).
    const bool restart = RestartPolicy::restarts(ChildRestart::transient,
                                                 worker.retiring ? "normal" : describe(status));
    bool needed = !terminated_ && (!closed_ || !tasks_.empty());
    int active = 0;
    for (auto& [other_id, other] : workers_) active += other.retiring ? 0 : 1;
    if (needed && restart && active < core_->processes) start_worker();
}

void PoolActor::fail_task(std::uint64_t id, const std::string& kind, const std::string& message) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) return;
    auto task = std::move(it->second);
    tasks_.erase(it);
    task.sink->fail(task.first, task.count, TaskError{kind, message, "mpact::Pool supervisor"});
}

void PoolActor::kill_all() {
    for (auto& [id, worker] : workers_) worker.process->kill();
    for (auto& [id, worker] : workers_) {
        static_cast<void>(worker.process->join(std::chrono::seconds(5)));  // SIGKILLed: at once
    }
    workers_.clear();
    queue_.clear();
    std::vector<std::uint64_t> ids;
    for (auto& [id, task] : tasks_) ids.push_back(id);
    for (auto id : ids) {
        fail_task(id, "WorkerLostError", "the pool was terminated before the task finished");
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
