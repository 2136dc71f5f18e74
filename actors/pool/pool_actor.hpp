#pragma once
// The pool's supervisor actor, living in the caller's process: it owns the task table, the
// queue of chunks, the workers (forked children) and their in-flight chunks. Idle workers are
// parked Work requests (credits); a worker found dead by the 50 ms reaper is replaced and
// its unfinished tasks are retried or failed with WorkerLostError. Results are routed to the
// callers' shared states once per task id. Restart decisions are the Supervisor's
// (mpact::RestartPolicy): workers are one_for_one transient children (a worker that retired
// after maxtasksperchild ended normally and was replaced already), and workers that die
// before taking any work are counted by the same intensity bookkeeping.
#include <mpact/actor.hpp>
#include <mpact/process.hpp>
#include <mpact/pool.hpp>
#include <mpact/restart_policy.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol.hpp"
#include "result_thread.hpp"

namespace mpact::detail {

/// A submitted chunk waiting in the core for the actor.
struct PendingChunk {
    std::uint64_t id = 0;
    std::string task;
    std::uint32_t count = 0;
    std::string args;
    std::shared_ptr<ResultSink> sink;
    std::size_t first = 0;
};

/// What the Pool handle and its actor share (same process).
struct PoolCore {
    PoolOptions options;
    int processes = 1;
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<PendingChunk> incoming;  // chunks not yet taken by the actor
    std::uint64_t next_id = 1;
    bool closed = false;
    bool terminated = false;
    bool finished = false;  // closed or terminated, and every worker has exited
    bool joined = false;
    std::vector<pid_t> pids;
    std::shared_ptr<ResultThread> results;
    ActorRef actor;
    class PoolActor* live = nullptr;  // the running actor; read and written on the I/O thread only
};

class PoolActor : public Actor {
public:
    explicit PoolActor(std::shared_ptr<PoolCore> core);
    ~PoolActor() override;
    /// Takes new submissions (posted straight onto the I/O thread by the Pool: no hop).
    void kick();
    void on_start() override;
    void on_stop(const std::string& reason) override;

private:
    struct Task {  // one chunk
        std::string task;
        std::uint32_t count = 0;
        std::string args;
        std::shared_ptr<ResultSink> sink;
        std::size_t first = 0;
        int attempts = 0;
    };
    struct Worker {
        pid_t pid = 0;
        std::shared_ptr<Process> process;
        std::vector<std::uint64_t> inflight;
        std::optional<Reply<pool_protocol::Chunk>> idle;
        bool retiring = false;
        std::size_t given = 0;  // tasks handed out (for maxtasksperchild)
        bool started = false;   // has asked for work at least once
    };

    void on_work(const pool_protocol::Work& work, Reply<pool_protocol::Chunk> reply);
    void take_incoming();
    void settle(const std::vector<pool_protocol::Done>& results);
    void dispatch();
    void wind_down();
    void reap();
    void lost(std::uint32_t id, Worker worker, int status);
    void start_worker();
    void kill_all();
    void publish();
    void fail_task(std::uint64_t id, const std::string& kind, const std::string& message);

    std::shared_ptr<PoolCore> core_;
    std::unordered_map<std::uint64_t, Task> tasks_;  // unsettled chunks by id
    std::deque<std::uint64_t> queue_;  // chunk ids, retries first
    std::map<std::uint32_t, Worker> workers_;
    std::uint32_t next_worker_ = 0;
    bool closed_ = false;
    bool terminated_ = false;
    // Workers that died before asking for work, in a row (reset when one asks): more than
    // max(3, 2 x processes) - 1 and the queued tasks fail rather than wait forever.
    RestartPolicy early_deaths_;
};

}  // namespace mpact::detail
void mpact_pool_worker(mpact::ActorRef pool, std::uint32_t id,
                       std::optional<mpact::TaskCall> initializer, int maxtasks);
namespace mpact::detail {
/// The body of a forked worker: asks `pool` for chunks until told to stop. Never returns.
[[noreturn]] void worker_main(const ActorRef& pool, std::uint32_t id,
                              const std::optional<TaskCall>& initializer, int maxtasks);

}  // namespace mpact::detail
