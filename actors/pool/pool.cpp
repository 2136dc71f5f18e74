// mpact::Pool: the handle in the caller's process. Submissions go into the shared core and
// a closure posted onto the node's I/O thread tells the pool actor to take them.
#include <mpact/internal/node.hpp>
#include <mpact/node.hpp>
#include <mpact/pool.hpp>

#include "pool_actor.hpp"
#include "stream.hpp"

#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <future>

namespace mpact {

using namespace std::chrono_literals;

namespace {
// imap's default window, in tasks per worker and chunk: at 64 the lazy imap_unordered ran at
// half the eager one's rate (74k-144k tasks/s against 169k-422k, 2 workers, loaded machine);
// at 1024 level with it (189k-435k), for a few hundred KB of parent memory.
constexpr std::size_t kDefaultWindowPerWorker = 1024;

int usable_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
    long n = ::sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<int>(n) : 1;
}
}  // namespace

Pool::Pool() : Pool(PoolOptions{}) {}
Pool::Pool(int processes) : Pool(PoolOptions{.processes = processes}) {}

Pool::Pool(PoolOptions options) : core_(std::make_shared<detail::PoolCore>()) {
    if (options.processes < 0) throw ValueError("Pool: processes must be at least 1");
    if (options.maxtasksperchild < 0) throw ValueError("Pool: maxtasksperchild must be >= 0");
    if (options.retries < 0) throw ValueError("Pool: retries must be >= 0");
    if (options.restart_intensity < 0) throw ValueError("Pool: restart_intensity must be >= 0");
    if (options.restart_period <= Duration::zero()) {
        throw ValueError("Pool: restart_period must be positive");
    }
    if (options.drain_timeout < Duration::zero()) {
        throw ValueError("Pool: drain_timeout must be >= 0");
    }
    core_->processes = options.processes > 0 ? options.processes : usable_cpus();
    core_->options = std::move(options);
    static_cast<void>(node_endpoint());  // the session exists before any worker is forked
    core_->results = std::make_shared<detail::ResultThread>();
    core_->actor = spawn<detail::PoolActor>(core_);
}

Pool::Pool(Pool&&) noexcept = default;
Pool& Pool::operator=(Pool&& other) noexcept {
    if (this != &other) {
        if (core_) terminate();
        core_ = std::move(other.core_);
    }
    return *this;
}

Pool::~Pool() {
    if (!core_) return;
    try {
        if (core_->options.on_exit == OnExit::drain) {
            bool running = false;
            {
                std::lock_guard lock(core_->mutex);
                running = !core_->terminated && !core_->joined && !core_->stopped;
            }
            if (running) {
                close();
                if (join(core_->options.drain_timeout)) return;
            }
        }
        terminate();
    } catch (...) {
    }
}

namespace {
/// Runs `ask(actor)` on the I/O thread, where the pool's actor lives, and returns its
/// answer; false if the pool is gone or the actor does not answer within 10 s.
template <class Ask>
bool ask_actor(const std::weak_ptr<detail::PoolCore>& weak, Ask ask) {
    auto core = weak.lock();
    if (!core) return false;
    auto& node = detail::Node::get();
    if (node.on_io_thread()) return core->live != nullptr && ask(*core->live);
    auto decided = std::make_shared<std::promise<bool>>();
    auto answer = decided->get_future();
    node.post(
        [core, ask, decided] { decided->set_value(core->live != nullptr && ask(*core->live)); });
    return answer.wait_for(10s) == std::future_status::ready && answer.get();
}
}  // namespace

std::shared_ptr<detail::BatchState> Pool::batch(std::size_t n) {
    auto state = std::make_shared<detail::BatchState>(n, core_->results);
    // The sink's address names the batch to the actor (no owning reference: no cycle).
    const auto* sink = static_cast<const detail::ResultSink*>(state.get());
    state->cancel = [weak = std::weak_ptr<detail::PoolCore>(core_), sink](bool pending_only) {
        return ask_actor(weak, [sink, pending_only](detail::PoolActor& actor) {
            return actor.cancel(sink, pending_only);
        });
    };
    state->dispatched = [weak = std::weak_ptr<detail::PoolCore>(core_), sink] {
        return ask_actor(weak, [sink](detail::PoolActor& actor) { return actor.dispatched(sink); });
    };
    return state;
}

std::size_t Pool::effective_chunksize(std::size_t n, std::size_t chunksize) const {
    if (chunksize != 0) return chunksize;
    auto per = static_cast<std::size_t>(core_ ? core_->processes : 1) * 4;  // Python's rule
    chunksize = n / per + (n % per != 0 ? 1 : 0);
    return chunksize == 0 ? 1 : chunksize;
}

namespace detail {
void enqueue_locked(PoolCore& core, const std::shared_ptr<const std::string>& task,
                    std::vector<PackedChunk> chunks, const std::shared_ptr<ResultSink>& sink,
                    std::size_t first, std::optional<Duration> timeout) {
    for (auto& chunk : chunks) {
        core.incoming.push_back(
            PendingChunk{core.next_id++, task, chunk.count, std::move(chunk.args), sink, first});
        core.incoming.back().timeout = timeout;
        first += chunk.count;
    }
}

void kick(const std::shared_ptr<PoolCore>& core) {
    // Straight onto the node's I/O thread, where the actor lives: no message hop.
    Node::get().post([core] {
        if (core->live != nullptr) core->live->kick();
    });
}
}  // namespace detail

namespace {
void check_timeout(std::optional<Duration> timeout) {
    if (timeout && *timeout <= Duration::zero()) {
        throw ValueError("Pool: a task timeout must be positive");
    }
}
// Submissions are taken while the pool runs (core.mutex held).
void check_running(const detail::PoolCore& core) {
    if (core.closed || core.terminated) {
        throw ValueError("Pool not running: submission after close() or terminate()");
    }
    if (core.stopped) throw ProcessError("Pool not running: the pool's actor has stopped");
}
}  // namespace

void Pool::submit(const std::string& task, std::vector<detail::PackedChunk> chunks,
                  std::shared_ptr<detail::ResultSink> sink, std::optional<Duration> timeout) {
    check_timeout(timeout);
    if (!core_) throw ValueError("Pool: use of a moved-from pool");
    {
        std::lock_guard lock(core_->mutex);
        check_running(*core_);
        if (chunks.empty()) return;
        detail::enqueue_locked(*core_, std::make_shared<const std::string>(task), std::move(chunks),
                               sink, 0, timeout);
    }
    kick();
}

std::shared_ptr<detail::Stream> Pool::open_stream(const std::string& task,
                                                  std::unique_ptr<detail::ChunkSource> source,
                                                  MapOptions options, bool ordered) {
    check_timeout(options.timeout);
    if (!core_) throw ValueError("Pool: use of a moved-from pool");
    const std::size_t chunksize = options.chunksize == 0 ? 1 : options.chunksize;
    if (options.buffersize != 0 && options.buffersize < chunksize) {
        throw ValueError("Pool::imap: buffersize (" + std::to_string(options.buffersize) +
                         ") must be at least chunksize (" + std::to_string(chunksize) + ")");
    }
    const std::size_t window = options.buffersize != 0
                                   ? options.buffersize
                                   : kDefaultWindowPerWorker *
                                         static_cast<std::size_t>(std::max(core_->processes, 1)) *
                                         chunksize;
    {
        std::lock_guard lock(core_->mutex);
        check_running(*core_);
        ++core_->open_streams;  // held from here: a close() waits for the stream's input
    }
    std::shared_ptr<detail::Stream> stream;
    try {
        stream = std::make_shared<detail::Stream>(
            core_, std::make_shared<const std::string>(task), std::move(source),
            detail::Stream::Window{chunksize, window}, options.timeout, ordered);
    } catch (...) {
        std::lock_guard lock(core_->mutex);
        --core_->open_streams;
        throw;
    }
    stream->refill();  // the first window
    return stream;
}

void Pool::kick() {
    detail::kick(core_);
}

void Pool::close() {
    if (!core_) return;
    {
        std::lock_guard lock(core_->mutex);
        core_->closed = true;
    }
    kick();
}

void Pool::terminate() {
    if (!core_) return;
    {
        std::lock_guard lock(core_->mutex);
        if (core_->joined) return;
        core_->terminated = true;
        core_->closed = true;
    }
    try {
        core_->actor.request<void>(pool_protocol::Terminate{}, 5s);
    } catch (const Error&) {
        // the actor is already gone: its on_stop killed the workers
    }
    // Bounded: the workers are SIGKILLed within a second of the Terminate. Past this the
    // actor is wedged or gone; kill what we know of and abandon it rather than hang.
    if (!join_until(deadline_after(10s))) {
        std::vector<pid_t> pids;
        {
            std::lock_guard lock(core_->mutex);
            pids = core_->all_pids;
            core_->finished = true;
        }
        for (auto pid : pids) ::kill(pid, SIGKILL);
        static_cast<void>(join_until(deadline_after(1s)));
    }
}

void Pool::join() {
    static_cast<void>(join_until(std::nullopt));
}

bool Pool::join(Duration timeout) {
    return join_until(deadline_after(timeout));
}

bool Pool::join_until(MaybeDeadline deadline) {
    if (!core_) return true;
    {
        std::unique_lock lock(core_->mutex);
        if (!core_->closed && !core_->terminated) {
            throw ValueError("Pool::join: call close() or terminate() first");
        }
        if (core_->joined) return true;
        auto finished = [this] { return core_->finished; };
        if (!deadline) {
            core_->cv.wait(lock, finished);
        } else if (!core_->cv.wait_until(lock, *deadline, finished)) {
            return false;
        }
        core_->joined = true;
    }
    static_cast<void>(core_->actor.stop(2s));
    core_->results->stop();
    return true;
}

int Pool::processes() const {
    return core_ ? core_->processes : 0;
}

std::vector<pid_t> Pool::worker_pids() const {
    if (!core_) return {};
    std::lock_guard lock(core_->mutex);
    return core_->pids;
}

}  // namespace mpact
