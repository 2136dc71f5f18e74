#include "pool_actor.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

namespace mpact::detail {

using namespace pool_protocol;

namespace {
// `code` is a Process exit code: -N after signal N.
std::string describe(std::optional<int> code) {
    if (!code) return "ended (exit status unknown)";
    if (*code < 0) return "was killed by signal " + std::to_string(-*code);
    return "exited with code " + std::to_string(*code);
}
}  // namespace

PoolActor::PoolActor(std::shared_ptr<PoolCore> core)
    : core_(std::move(core)),
      early_deaths_({.strategy = RestartStrategy::one_for_one,
                     .intensity = std::max(3, 2 * core_->processes) - 1,
                     .period = Duration::max()}) {
    handle([this](const Work& work, Reply<Chunk> reply) { on_work(work, std::move(reply)); });
    handle([this](const Partial& partial) { settle(partial.results); });
    handle([this](const Begun& begun) {
        auto w = workers_.find(begun.worker);
        if (w != workers_.end() && !w->second.inflight.empty() &&
            w->second.inflight.front() == begun.first && !w->second.retiring) {
            w->second.begun = true;
            start_task_clock(begun.worker);
        }
    });
    handle([this](const Terminate&) {
        terminated_ = closed_ = true;
        take_incoming();
        kill_all(std::chrono::milliseconds(500));
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
    table_->announce = [this](std::uint32_t id, pid_t pid) { on_worker_started(id, pid); };
    const int n = core_->processes;
    std::vector<ChildSpec> specs;
    specs.reserve(static_cast<std::size_t>(n));
    for (int slot = 0; slot < n; ++slot) specs.push_back(worker_spec(slot));
    SupervisorOptions supervision{.strategy = RestartStrategy::one_for_one,
                                  .intensity = core_->options.restart_intensity > 0
                                                   ? core_->options.restart_intensity
                                                   : std::max(20, 10 * n),
                                  .period = core_->options.restart_period};
    supervisor_ = spawn_supervisor(supervision, std::move(specs));
    monitor(supervisor_);
    publish();
}

void PoolActor::on_stop(const std::string& /*reason*/) {
    core_->live = nullptr;
    kill_all(Duration::zero());  // no turn comes after this one
    table_->announce = nullptr;
    // Nothing will run or settle from here on (the actor ended: at node shutdown, or its
    // on_start threw, e.g. out of descriptors): join() must not wait for a publish that
    // never comes, and later submissions fail (Pool::submit) rather than wait forever.
    std::deque<PendingChunk> late;
    {
        std::lock_guard lock(core_->mutex);
        core_->stopped = true;
        core_->finished = true;
        late.swap(core_->incoming);
    }
    core_->cv.notify_all();
    std::move(late.begin(), late.end(), std::back_inserter(fresh_));
    fail_waiting("ProcessError", "the pool's actor has stopped");
}

ChildSpec PoolActor::worker_spec(int slot) {
    // Runs on the supervisor's turn, for the first start and every restart of this slot.
    auto start = [table = table_, pool = self(), options = core_->options, slot]() -> ActorRef {
        if (table->closing || !table->announce) throw ProcessError("the pool is shutting down");
        const std::uint32_t id = table->next_id++;
        // By default the forkserver starts workers, so none is forked from this
        // multi-threaded process (a fork here can inherit a lock held by another thread;
        // ASan's allocator showed it).
        auto process = std::make_shared<Process>(
            ProcessOptions{.name = "PoolWorker-" + std::to_string(slot),
                           .daemon = true,
                           .start_method = options.start_method},
            &mpact_pool_worker, pool, id, options.initializer, options.maxtasksperchild);
        process->start();
        const pid_t pid = *process->pid();
        table->processes.emplace(id, std::move(process));
        table->announce(id, pid);
        return ActorRef(node_endpoint(static_cast<int>(pid)), worker_actor_name(id));
    };
    return ChildSpec{"worker-" + std::to_string(slot), std::move(start), ChildRestart::permanent,
                     std::chrono::seconds(30)};
}

void PoolActor::on_worker_started(std::uint32_t id, pid_t pid) {
    Worker worker;
    worker.pid = pid;
    workers_.emplace(id, std::move(worker));
    monitor_process(pid);  // its death reaches on_down at once (pidfd)
    publish();
}

void PoolActor::on_down(const Down& down) {
    if (down.endpoint == supervisor_.endpoint() && down.name == supervisor_.name()) {
        if (!supervisor_stopping_) broken("the pool's supervisor stopped (" + down.reason + ")");
        return;
    }
    for (auto& [id, worker] : workers_) {
        if (!down.name.empty() || down.endpoint != node_endpoint(worker.pid)) continue;
        auto worker_id = id;
        auto node = workers_.extract(worker_id);
        auto process = table_->processes.extract(worker_id).mapped();
        ++pending_deaths_;
        settle_death(worker_id, std::make_shared<Worker>(std::move(node.mapped())),
                     std::move(process), 0);
        return;
    }
}

void PoolActor::settle_death(std::uint32_t id, std::shared_ptr<Worker> worker,
                             std::shared_ptr<Process> process, int polls) {
    // The pidfd said it ended. Its status is there to read at once when this process is its
    // parent; a forkserver child's status comes in the server's message, just after: polled
    // from a timer (never waited for on the I/O thread), for at most ~200 ms.
    constexpr int kPolls = 40;
    auto code = process->exitcode();
    if (!code && polls < kPolls) {
        start_timer(std::chrono::milliseconds(5), [this, id, worker, process, polls] {
            settle_death(id, worker, process, polls + 1);
        });
        return;
    }
    --pending_deaths_;
    lost(id, std::move(*worker), code);
    dispatch();
    wind_down();
    publish();
}

void PoolActor::shut_down_supervisor() {
    table_->closing = true;
    if (supervisor_stopping_ || !supervisor_.valid()) return;
    supervisor_stopping_ = true;
    supervisor_.send(ShutdownSupervisor{});
}

void PoolActor::broken(const std::string& reason) {
    broken_ = "mpact::Pool cannot run tasks: " + reason +
              "; its workers kept failing (more restarts than its restart intensity)";
    fail_all("ProcessError", broken_);
    shut_down_supervisor();
    for (auto& [id, process] : table_->processes) process->kill();
    publish();
}

void PoolActor::take_incoming() {
    std::deque<PendingChunk> chunks;
    {
        std::lock_guard lock(core_->mutex);
        chunks.swap(core_->incoming);
        closed_ = closed_ || core_->closed;
        open_streams_ = core_->open_streams;
    }
    if (fresh_.empty()) {
        fresh_.swap(chunks);
    } else {
        std::move(chunks.begin(), chunks.end(), std::back_inserter(fresh_));
    }
    if (terminated_) {
        fail_waiting("WorkerLostError", "the pool was terminated");
    } else if (!broken_.empty()) {
        fail_waiting("ProcessError", broken_);
    }
}

void PoolActor::admit_fresh() {
    const auto id = fresh_.front().id;
    tasks_.emplace(id, std::move(fresh_.front()));
    queue_.push_back(id);
    fresh_.pop_front();
}

void PoolActor::fail_waiting(const std::string& kind, const std::string& message) {
    for (auto& c : fresh_) {
        c.sink->fail(c.first, c.count, TaskError{kind, message, "mpact::Pool supervisor"});
    }
    fresh_.clear();
    std::vector<std::uint64_t> waiting(queue_.begin(), queue_.end());
    queue_.clear();
    for (auto id : waiting) fail_task(id, kind, message);
}

void PoolActor::fail_all(const std::string& kind, const std::string& message) {
    fail_waiting(kind, message);
    std::vector<std::uint64_t> ids;
    for (auto& [id, task] : tasks_) ids.push_back(id);
    for (auto id : ids) fail_task(id, kind, message);
}

void PoolActor::settle(const std::vector<Done>& results) {
    for (const auto& done : results) {
        auto it = tasks_.find(done.id);
        if (it == tasks_.end()) continue;  // already settled (a retry raced its original)
        auto& task = it->second;
        // Pieces come in order, each once or repeated (a Partial, then its Work): keep the
        // first copy. A piece that does not start where the settled ones end is not ours.
        if (done.offset != task.done || done.count == 0 || done.count > task.count - task.done) {
            continue;
        }
        ChunkResult result{task.first + done.offset, done.count, done.results, {}};
        for (const auto& f : done.failures) {
            result.errors.emplace_back(f.offset, TaskError{f.kind, f.message, f.stack});
        }
        task.done += done.count;
        auto sink = task.sink;
        const bool timed = task.timeout.has_value();
        if (task.done == task.count) tasks_.erase(it);
        sink->deliver(std::move(result));
        if (timed) {
            // Its worker has begun the next task: that task's clock starts now.
            for (auto& [wid, worker] : workers_) {
                if (worker.begun && !worker.retiring &&
                    std::find(worker.inflight.begin(), worker.inflight.end(), done.id) !=
                        worker.inflight.end()) {
                    start_task_clock(wid);
                    break;
                }
            }
        }
    }
}

void PoolActor::start_task_clock(std::uint32_t id) {
    auto w = workers_.find(id);
    if (w == workers_.end()) return;
    auto& worker = w->second;
    const auto clock = ++worker.clock;
    for (auto task_id : worker.inflight) {
        auto it = tasks_.find(task_id);
        if (it == tasks_.end()) continue;  // settled: the next one is running
        if (!it->second.timeout) return;
        start_timer(*it->second.timeout, [this, id, clock] { on_task_timeout(id, clock); });
        return;
    }
}

void PoolActor::on_task_timeout(std::uint32_t id, std::uint64_t clock) {
    auto w = workers_.find(id);
    if (w == workers_.end() || w->second.clock != clock || w->second.retiring) return;
    for (auto task_id : w->second.inflight) {
        auto it = tasks_.find(task_id);
        if (it == tasks_.end()) continue;
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*it->second.timeout);
        kill_running(id,
                     TaskError{"TimeoutError",
                               "task '" + *it->second.task + "' ran past its timeout of " +
                                   std::to_string(ms.count()) + " ms; its worker process " +
                                   std::to_string(w->second.pid) + " was killed and replaced",
                               "mpact::Pool supervisor"},
                     false, nullptr);
        return;
    }
}

void PoolActor::kill_running(std::uint32_t id, const TaskError& error, bool whole_chunk,
                             const ResultSink* drop) {
    auto& worker = workers_.at(id);
    std::vector<std::uint64_t> retry;
    bool first = true;
    for (auto task_id : worker.inflight) {
        auto it = tasks_.find(task_id);
        if (it == tasks_.end()) continue;
        if ((first && whole_chunk) || it->second.sink.get() == drop) {
            fail_task(task_id, error.kind, error.message);
        } else if (first) {
            requeue(task_id, false, true, {}, retry, error);
        } else {
            requeue(task_id, false, true, {}, retry);
        }
        first = false;
    }
    queue_.insert(queue_.begin(), retry.begin(), retry.end());
    worker.inflight.clear();
    worker.idle.reset();
    worker.retiring = true;
    worker.killed_on_purpose = true;
    // A deliberate end: the supervisor restarts the slot without counting it (told before
    // the kill, so the notice is queued ahead of the worker's Down).
    planned_end(id, worker.pid);
    if (auto p = table_->processes.find(id); p != table_->processes.end()) p->second->kill();
    dispatch();
    wind_down();
    publish();
}

bool PoolActor::dispatched(const ResultSink* sink) const {
    for (const auto& [wid, worker] : workers_) {
        for (auto task_id : worker.inflight) {
            auto it = tasks_.find(task_id);
            if (it != tasks_.end() && it->second.sink.get() == sink) return true;
        }
    }
    return false;
}

bool PoolActor::cancel(const ResultSink* sink, bool pending_only) {
    const TaskError error{"CancelledError", "the task was cancelled", "mpact::Pool"};
    if (pending_only && dispatched(sink)) return false;
    bool any = false;
    // Not yet dispatched: dropped.
    for (auto it = fresh_.begin(); it != fresh_.end();) {
        if (it->sink.get() != sink) {
            ++it;
            continue;
        }
        it->sink->fail(it->first, it->count, error);
        it = fresh_.erase(it);
        any = true;
    }
    // In a worker's hands: a running one ends with its worker; one behind it is dropped
    // here (the worker still runs it; its result finds no task and is ignored).
    std::vector<std::uint32_t> kill;
    for (auto& [wid, worker] : workers_) {
        bool running = true;
        for (auto task_id : worker.inflight) {
            auto it = tasks_.find(task_id);
            if (it == tasks_.end()) continue;
            if (it->second.sink.get() == sink) {
                if (running) {
                    kill.push_back(wid);
                    break;
                }
                fail_task(task_id, error.kind, error.message);
                any = true;
            }
            running = false;
        }
    }
    for (auto wid : kill) {
        kill_running(wid, error, true, sink);
        any = true;
    }
    // Queued again after a death (in tasks_, not in a worker's hands): dropped.
    std::vector<std::uint64_t> waiting;
    for (auto& [task_id, task] : tasks_) {
        if (task.sink.get() == sink) waiting.push_back(task_id);
    }
    for (auto task_id : waiting) fail_task(task_id, error.kind, error.message);
    any = any || !waiting.empty();
    if (any) {
        dispatch();
        wind_down();
    }
    return any;
}

void PoolActor::drop(const ResultSink* sink) {
    take_incoming();
    std::erase_if(fresh_, [sink](const PendingChunk& c) { return c.sink.get() == sink; });
    std::erase_if(queue_, [this, sink](std::uint64_t id) {  // retries waiting
        auto it = tasks_.find(id);
        if (it == tasks_.end() || it->second.sink.get() != sink) return false;
        tasks_.erase(it);
        return true;
    });
    dispatch();
    wind_down();
}

void PoolActor::on_work(const Work& work, Reply<Chunk> reply) {
    settle(work.results);
    auto w = workers_.find(work.worker);
    if (w == workers_.end() || terminated_ || w->second.killed_on_purpose) {
        reply(Chunk{{}, true});
        return;
    }
    // Acknowledged with every piece: a chunk still unsettled was not fully reported (not
    // expected from our worker); it runs again rather than waiting forever.
    std::vector<std::uint64_t> front;
    for (auto task_id : w->second.inflight) {
        if (tasks_.contains(task_id)) requeue(task_id, false, true, {}, front);
    }
    queue_.insert(queue_.begin(), front.begin(), front.end());
    w->second.inflight.clear();
    w->second.started = true;
    early_deaths_.reset();
    if (!work.want_more) {
        w->second.retiring = true;
        // A planned end (maxtasksperchild): the supervisor restarts the slot without
        // counting it toward the restart intensity. Told before the worker is let go, so
        // the notice is queued ahead of the worker's Down.
        planned_end(w->first, w->second.pid);
        reply(Chunk{{}, true});  // it exits; the supervisor starts its replacement
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
        const std::size_t waiting = queue_.size() + fresh_.size();
        if (waiting == 0) return;
        if (!worker.idle) continue;
        // Many queued chunks: several travel as one message, leaving at least as many for the
        // other workers. Few: one chunk per message, so a slow task delays no other.
        const std::size_t per = std::max<std::size_t>(active, 1);
        const std::size_t share = waiting > 4 * per ? waiting / (2 * per) : 1;
        std::size_t budget = kBatchItems;
        if (core_->options.maxtasksperchild > 0) {
            auto left = static_cast<std::size_t>(core_->options.maxtasksperchild) -
                        std::min<std::size_t>(worker.given, core_->options.maxtasksperchild);
            budget = std::min(budget, std::max<std::size_t>(left, 1));
        }
        Chunk chunk;
        std::size_t items = 0;
        while (chunk.items.size() < share && (chunk.items.empty() || items < budget)) {
            if (queue_.empty()) {
                if (fresh_.empty()) break;
                admit_fresh();
            }
            auto task_id = queue_.front();
            auto it = tasks_.find(task_id);
            if (it == tasks_.end()) {
                queue_.pop_front();
                continue;
            }
            if (!chunk.items.empty() && items + it->second.count > budget) break;
            queue_.pop_front();
            chunk.items.push_back(
                Item{task_id, *it->second.task, it->second.count, it->second.args});
            items += it->second.count;
            worker.inflight.push_back(task_id);
        }
        worker.given += items;
        if (chunk.items.empty()) return;
        auto reply = std::move(*worker.idle);
        worker.idle.reset();
        worker.begun = false;
        reply(chunk);
    }
}

void PoolActor::planned_end(std::uint32_t id, pid_t pid) {
    if (!supervisor_.valid() || supervisor_stopping_) return;
    supervisor_.send(
        ChildRetiring{ActorRef(node_endpoint(static_cast<int>(pid)), worker_actor_name(id))});
}

void PoolActor::wind_down() {
    if (!closed_ || open_streams_ > 0 || !tasks_.empty() || !queue_.empty() || !fresh_.empty()) {
        return;
    }
    shut_down_supervisor();  // before the workers exit: none is restarted
    for (auto& [id, worker] : workers_) {
        if (worker.idle) {
            auto reply = std::move(*worker.idle);
            worker.idle.reset();
            worker.retiring = true;
            reply(Chunk{{}, true});
        }
    }
}

void PoolActor::lost(std::uint32_t /*id*/, Worker worker, std::optional<int> status) {
    // The worker ran its chunks in order: the first unsettled one was running (its first
    // unsettled task is charged); those after it had not started.
    std::vector<std::uint64_t> retry;
    bool charged = false;
    // A SIGKILL before the worker said it had the chunk (Begun) is most likely chaos from
    // outside striking a worker as it starts: lightly charged (see requeue). Any other death
    // (a crash, an exit) is charged in full: a task that crashes its worker at once is poison.
    const bool begun = worker.begun || !status || *status != -SIGKILL;
    const std::string why = "worker process " + std::to_string(worker.pid) + " " + describe(status);
    for (auto task_id : worker.inflight) {
        if (!tasks_.contains(task_id)) continue;
        requeue(task_id, !charged, begun, why, retry);
        charged = true;
    }
    queue_.insert(queue_.begin(), retry.begin(), retry.end());
    // SIGKILL comes from outside (an operator, a chaos test, the OOM killer), not from a
    // failing initializer, which raises or crashes: under load a fresh worker killed before
    // its first request is not evidence against the initializer. Repeated kills still meet
    // the supervisor's restart intensity.
    const bool killed = status && *status == -SIGKILL;
    if (!worker.started && !worker.retiring && !killed && early_deaths_.exceeded_by_restart()) {
        // Workers die before asking for work (a failing initializer?): fail what waits
        // rather than hang, as Python would.
        fail_waiting("ProcessError",
                     "pool workers keep dying before taking any work (worker "
                     "process " +
                         std::to_string(worker.pid) + " " + describe(status) +
                         "); is the initializer failing?");
        early_deaths_.reset();
    }
    // Its replacement is the supervisor's business (the slot is a permanent child).
}

namespace {
// Elements [from, size) of the packed array `packed` of `size` elements, as a packed array.
std::string packed_tail(const std::string& packed, std::uint32_t size, std::uint32_t from) {
    auto handle = unpack_bounded(packed, DecodeLimits{}, true);
    const auto& array = handle.get();
    if (array.type != msgpack::type::ARRAY || array.via.array.size != size || from > size) {
        throw ProtocolError("Pool: a queued chunk of arguments is malformed");
    }
    msgpack::sbuffer out;
    msgpack::packer<msgpack::sbuffer> packer(out);
    packer.pack_array(size - from);
    for (std::uint32_t i = from; i < size; ++i) packer.pack(array.via.array.ptr[i]);
    return std::string(out.data(), out.size());
}
}  // namespace

void PoolActor::requeue(std::uint64_t id, bool charge, bool begun, const std::string& why,
                        std::vector<std::uint64_t>& front,
                        const std::optional<TaskError>& final_error) {
    auto node = tasks_.extract(id);
    auto& task = node.mapped();
    const std::uint32_t settled = task.done;
    int attempts = settled == 0 ? task.attempts : 0;  // a settled first task leaves its count
    int unconfirmed = settled == 0 ? task.unconfirmed : 0;
    if (charge && !begun) {
        // Killed before it said it had the chunk (a worker killed as it starts, under
        // chaos): most likely the task never ran. Charged only when that keeps happening.
        charge = ++unconfirmed > core_->options.retries + 1;
    }
    if (charge) ++attempts;
    std::uint32_t skip = settled;
    if (final_error) {
        task.sink->fail(task.first + settled, 1, *final_error);
        ++skip;
        attempts = 0;
    } else if (charge && attempts > core_->options.retries) {
        // The running task fails alone; the rest of its chunk runs again, uncharged.
        task.sink->fail(task.first + settled, 1,
                        TaskError{"WorkerLostError",
                                  why + " while running task '" + *task.task + "' (" +
                                      std::to_string(attempts) + " attempt(s), retries = " +
                                      std::to_string(core_->options.retries) + ")",
                                  "mpact::Pool supervisor"});
        ++skip;
        attempts = 0;
    }
    if (skip == task.count) return;
    if (skip > 0) {
        try {
            task.args = packed_tail(task.args, task.count, skip);
        } catch (const Error& e) {
            task.sink->fail(task.first + skip, task.count - skip,
                            TaskError{e.kind(), e.what(), "mpact::Pool supervisor"});
            return;
        }
        task.first += skip;
        task.count -= skip;
    }
    task.done = 0;
    task.attempts = attempts;
    task.unconfirmed = skip > settled ? 0 : unconfirmed;
    std::uint64_t fresh_id = 0;
    {
        std::lock_guard lock(core_->mutex);
        fresh_id = core_->next_id++;
    }
    task.id = fresh_id;
    tasks_.emplace(fresh_id, std::move(task));
    front.push_back(fresh_id);
}

void PoolActor::fail_task(std::uint64_t id, const std::string& kind, const std::string& message) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) return;
    auto task = std::move(it->second);
    tasks_.erase(it);
    task.sink->fail(task.first + task.done, task.count - task.done,
                    TaskError{kind, message, "mpact::Pool supervisor"});
}

void PoolActor::kill_all(Duration grace) {
    shut_down_supervisor();
    fail_all("WorkerLostError", "the pool was terminated before the task finished");
    if (grace <= Duration::zero()) {
        for (auto& [id, process] : table_->processes) process->kill();
        return;
    }
    // Asked first: a worker's presence actor flushes its stdio and exits, on the worker's I/O
    // thread, whatever task it runs; what is still alive after `grace` is SIGKILLed. Each
    // death reaches on_down (pidfd), which forgets the worker: nothing here waits.
    for (auto& [id, process] : table_->processes) {
        if (auto pid = process->pid()) {
            try {
                detail::send_message(
                    ActorRef(node_endpoint(static_cast<int>(*pid)), worker_actor_name(id)),
                    "mpact.stop", pack(msgpack::type::nil_t{}));
            } catch (const Error&) {
                process->kill();
            }
        }
    }
    start_timer(grace, [table = table_] {
        for (auto& [id, process] : table->processes) process->kill();
    });
}

void PoolActor::publish() {
    std::vector<pid_t> pids, all;
    for (auto& [id, worker] : workers_) {
        if (!worker.retiring) pids.push_back(worker.pid);
        all.push_back(worker.pid);
    }
    {
        std::lock_guard lock(core_->mutex);
        core_->pids = std::move(pids);
        core_->all_pids = std::move(all);
        if ((closed_ || terminated_ || !broken_.empty()) && supervisor_stopping_ &&
            workers_.empty() && pending_deaths_ == 0) {
            core_->finished = true;
        }
    }
    core_->cv.notify_all();
}

}  // namespace mpact::detail
