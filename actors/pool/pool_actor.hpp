#pragma once
// The pool actor, living in the caller's process: it owns the task table, the queue of chunks
// and the workers' in-flight chunks. The workers are the children of a Supervisor actor the
// pool starts (one_for_one, permanent children, one per worker slot): the supervisor starts
// them, restarts the ones that end (killed, crashed, or retired after maxtasksperchild) and
// gives up past its restart intensity. The pool watches each worker's process itself (a
// pidfd: a death is seen at once) to retry or fail the chunks it held. Idle workers are parked
// Work requests (credits). Results are routed to the callers' shared states once per task id.
#include <mpact/actor.hpp>
#include <mpact/node.hpp>
#include <mpact/pool.hpp>
#include <mpact/process.hpp>
#include <mpact/restart_policy.hpp>
#include <mpact/supervisor.hpp>

#include "protocol.hpp"
#include "result_states.hpp"
#include "result_thread.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace mpact::detail {

/// A chunk on the pool's side, from submission (waiting in the core) until every task of it
/// is settled (in the actor's table): one type all the way to the wire's Item.
struct PendingChunk {
    std::uint64_t id = 0;
    std::shared_ptr<const std::string> task;  // one name per submission, not per chunk
    std::uint32_t count = 0;
    std::string args;  // `count` packed argument tuples, one msgpack array
    std::shared_ptr<ResultSink> sink;
    std::size_t first = 0;   // index of its first task in the submission
    int attempts = 0;        // deaths charged to its first task (the one that runs first)
    int unconfirmed = 0;     // deaths of a worker not known to have begun it
    std::uint32_t done = 0;  // its first `done` tasks are settled (results arrive in pieces)
    std::optional<Duration> timeout;  // per task, from when a worker has it in hand
};

/// What the Pool handle and its actor share (same process).
struct PoolCore {
    PoolOptions options;
    int processes = 1;
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<PendingChunk> incoming;  // chunks not yet taken by the actor
    std::uint64_t next_id = 1;
    bool closed = false;
    bool terminated = false;
    bool finished = false;  // closed or terminated, and every worker has exited
    bool stopped = false;   // the pool actor has ended: nothing runs any more
    bool joined = false;
    // imaps that may still submit (their input not ended, their iterator alive): a closed
    // pool winds down only once there are none.
    std::size_t open_streams = 0;
    std::vector<pid_t> pids;      // the live workers, retiring ones left out
    std::vector<pid_t> all_pids;  // every worker process not yet seen to end
    std::shared_ptr<ResultThread> results;
    ActorRef actor;
    class PoolActor* live = nullptr;  // the running actor; read and written on the I/O thread only
};

/// Queues `chunks` of `task` for `sink`, their tasks numbered from `first` (core.mutex held).
void enqueue_locked(PoolCore& core, const std::shared_ptr<const std::string>& task,
                    std::vector<PackedChunk> chunks, const std::shared_ptr<ResultSink>& sink,
                    std::size_t first, std::optional<Duration> timeout);
/// Tells the pool actor to take new submissions and a changed open_streams (posted onto the
/// node's I/O thread: no message hop). Never blocks.
void kick(const std::shared_ptr<PoolCore>& core);

/// The worker processes the supervisor's start functions started, by worker id, shared
/// between those functions and the pool actor. Both run on the node's I/O thread (the
/// supervisor lives in the pool's process), so a start announces its worker to the pool
/// actor by a direct call, in the same turn: worker_pids() is right as soon as the Pool
/// constructor returns, as Python's Pool has its workers when it returns.
struct WorkerTable {
    std::map<std::uint32_t, std::shared_ptr<Process>> processes;
    std::uint32_t next_id = 0;
    bool closing = false;  // no new worker starts (the supervisor is being shut down)
    std::function<void(std::uint32_t id, pid_t pid)> announce;  // the pool actor's, while it runs
};

class PoolActor : public Actor {
  public:
    explicit PoolActor(std::shared_ptr<PoolCore> core);
    ~PoolActor() override;
    /// Takes new submissions (posted straight onto the I/O thread by the Pool: no hop).
    void kick();
    /// Cancels every unsettled task of `sink` (AsyncResult::cancel); true if any was.
    /// `pending_only` (Future::cancel): nothing is done, and false returned, if one of its
    /// tasks is already in a worker's hands.
    bool cancel(const ResultSink* sink, bool pending_only = false);
    /// True if one of `sink`'s tasks is in a worker's hands (Future::running).
    [[nodiscard]] bool dispatched(const ResultSink* sink) const;
    /// Forgets the chunks of `sink` not yet given to a worker (a dropped imap); those in a
    /// worker's hands finish, their results unread.
    void drop(const ResultSink* sink);
    void on_start() override;
    void on_stop(const std::string& reason) override;
    void on_down(const Down& down) override;

  private:
    struct Worker {
        pid_t pid = 0;  // its Process is table_->processes[id]
        std::vector<std::uint64_t> inflight;
        std::optional<Reply<pool_protocol::Chunk>> idle;
        bool begun = false;  // it said it has its current message in hand (Begun)
        bool retiring = false;
        std::size_t given = 0;    // tasks handed out (for maxtasksperchild)
        bool started = false;     // has asked for work at least once
        std::uint64_t clock = 0;  // the running task's timeout timer (a newer one cancels it)
        bool killed_on_purpose = false;  // for a task's timeout or a cancel: a planned end
    };

    /// The supervisor's child spec of worker slot `slot`: starts a worker process and
    /// announces it to this actor.
    ChildSpec worker_spec(int slot);
    void on_worker_started(std::uint32_t id, pid_t pid);
    /// No new workers from here on: the supervisor stops its children and itself.
    void shut_down_supervisor();
    /// The supervisor gave up (restart intensity): every task fails, now and later.
    void broken(const std::string& reason);

    void on_work(const pool_protocol::Work& work, Reply<pool_protocol::Chunk> reply);
    void take_incoming();
    void settle(const std::vector<pool_protocol::Done>& results);
    void dispatch();
    void wind_down();
    /// A worker's process ended: once its exit status is known (polled, never waited for),
    /// its chunks are retried or failed (lost).
    void settle_death(std::uint32_t id, std::shared_ptr<Worker> worker,
                      std::shared_ptr<Process> process, int polls);
    void lost(std::uint32_t id, Worker worker, std::optional<int> status);
    /// Tells the supervisor worker `id` (process `pid`) ends on purpose: its restart is not
    /// counted toward the intensity. Sent before the end, so it arrives ahead of the Down.
    void planned_end(std::uint32_t id, pid_t pid);
    /// Starts the timeout clock of worker `id`'s running task (its first unsettled chunk's
    /// next task), if it has one; a newer clock makes the older one a no-op.
    void start_task_clock(std::uint32_t id);
    /// Worker `id` ran a task past its timeout (clock `clock`): the task fails with
    /// TimeoutError, the rest of its chunks run again elsewhere, the worker is killed (a
    /// planned end for the supervisor) and replaced.
    void on_task_timeout(std::uint32_t id, std::uint64_t clock);
    /// Kills worker `id` on purpose (a planned end for the supervisor): its running task
    /// fails with `error` (with `whole_chunk`, the rest of that chunk too), and its other
    /// chunks run again elsewhere, uncharged, except those of `drop`, which fail with `error`.
    void kill_running(std::uint32_t id, const TaskError& error, bool whole_chunk,
                      const ResultSink* drop);
    /// Puts chunk `id` back at the front of the queue without its settled tasks (under a new
    /// id: a late piece from the dead worker is dropped). `charge`: a death is charged to its
    /// first unsettled task (the one that was running), which fails past `retries`.
    /// `begun`: the worker had said it holds the chunk (or did not die by SIGKILL); a SIGKILL
    /// before that is charged only past retries + 1 such deaths (so a task that gets
    /// its worker SIGKILLed at once, the OOM killer's poison, still ends).
    /// `final_error`: the running task fails with it, uncharged (a timeout).
    void requeue(std::uint64_t id, bool charge, bool begun, const std::string& why,
                 std::vector<std::uint64_t>& front,
                 const std::optional<TaskError>& final_error = std::nullopt);
    /// Ends every worker: asked to flush and exit (a stop to its presence actor), SIGKILLed
    /// after `grace`; with no grace, SIGKILLed now. Never waits.
    void kill_all(Duration grace);
    void publish();
    void fail_task(std::uint64_t id, const std::string& kind, const std::string& message);
    /// Fails every chunk not yet dispatched (the queued retries and the fresh ones).
    void fail_waiting(const std::string& kind, const std::string& message);
    /// Fails every unsettled chunk: those waiting and those in workers' hands.
    void fail_all(const std::string& kind, const std::string& message);
    /// Moves the oldest fresh chunk into tasks_ and onto queue_.
    void admit_fresh();

    std::shared_ptr<PoolCore> core_;
    std::unordered_map<std::uint64_t, PendingChunk> tasks_;  // unsettled chunks by id
    // Submitted chunks wait here, cheaply, until dispatched: only dispatched (or retried)
    // chunks enter tasks_, so a large map does not hold a table entry per chunk up front.
    std::deque<PendingChunk> fresh_;
    std::deque<std::uint64_t> queue_;  // chunk ids in tasks_ to run again (retries), first
    std::map<std::uint32_t, Worker> workers_;
    std::shared_ptr<WorkerTable> table_ = std::make_shared<WorkerTable>();
    ActorRef supervisor_;
    bool supervisor_stopping_ = false;  // we asked it to shut down
    std::string broken_;                // why the pool cannot run tasks any more
    bool closed_ = false;
    bool terminated_ = false;
    std::size_t open_streams_ = 0;  // core_->open_streams, as of the last take_incoming
    int pending_deaths_ = 0;        // workers that ended, their exit status not read yet
    // Workers that died before asking for work, in a row (reset when one asks): more than
    // max(3, 2 x processes) - 1 and the queued tasks fail rather than wait forever.
    RestartPolicy early_deaths_;
};

}  // namespace mpact::detail
void mpact_pool_worker(mpact::ActorRef pool, std::uint32_t id,
                       std::optional<mpact::TaskCall> initializer, int maxtasks);
namespace mpact::detail {
/// The name of worker `id`'s actor in its process: it answers the supervisor's pings, and
/// stopping it ends the worker.
std::string worker_actor_name(std::uint32_t id);
/// The body of a forked worker: asks `pool` for chunks until told to stop. Never returns.
[[noreturn]] void worker_main(const ActorRef& pool, std::uint32_t id,
                              const std::optional<TaskCall>& initializer, int maxtasks);

}  // namespace mpact::detail
