// A pool worker: a child process that asks the pool actor for chunks, runs each item through
// the task registry and hands the results back with its next request (acknowledged). Beside
// that loop it hosts a small actor for the pool's supervisor, which pings it to see it is up
// and stops it to end the worker.
#include <mpact/internal/demangle.hpp>

#include "pool_actor.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <typeinfo>

namespace mpact::detail {

using namespace pool_protocol;

namespace {
constexpr auto kStreamAfter = std::chrono::milliseconds(2);

void fill(Failure& failure, const Item& item) {
    try {
        throw;
    } catch (const Error& e) {
        failure.kind = e.kind();
        failure.message = e.what();
    } catch (const std::exception& e) {
        failure.kind = demangle(typeid(e));
        failure.message = e.what();
    } catch (...) {
        failure.kind = kNonStdExceptionKind;
        failure.message = "the task threw an exception that is not a std::exception";
    }
    failure.stack =
        "in pool worker process " + std::to_string(::getpid()) + ", task '" + item.task + "'";
}

// Builds the pieces of one chunk's results: tasks [offset, offset + n) packed end to end.
class PieceBuilder {
  public:
    explicit PieceBuilder(std::uint64_t id) : id_(id) {}
    msgpack::sbuffer& out() { return body_; }
    void ok() { ++n_; }
    void failed(const Item& item) {
        Failure failure{n_, {}, {}, {}};
        fill(failure, item);
        failures_.push_back(std::move(failure));
        msgpack::pack(body_, msgpack::type::nil_t{});
        ++n_;
    }
    [[nodiscard]] bool empty() const { return n_ == 0; }
    // The piece so far as a Done; the next piece starts where it ended.
    Done take() {
        Done done;
        done.id = id_;
        done.offset = offset_;
        done.count = n_;
        msgpack::sbuffer header;
        msgpack::packer<msgpack::sbuffer>(header).pack_array(n_);
        done.results.reserve(header.size() + body_.size());
        done.results.append(header.data(), header.size());
        done.results.append(body_.data(), body_.size());
        done.failures = std::move(failures_);
        failures_.clear();
        body_.clear();
        offset_ += n_;
        n_ = 0;
        return done;
    }

  private:
    std::uint64_t id_;
    std::uint32_t offset_ = 0, n_ = 0;
    msgpack::sbuffer body_;
    std::vector<Failure> failures_;
};

// Runs every task of one chunk from its packed arguments, in one pass over the msgpack,
// through the task registry's invoker; a task that throws leaves nil and a Failure at its
// offset. `progress` is called after each task with the builder, to stream finished pieces.
template <class Progress>
void run(const Item& item, std::vector<Done>& results, Progress progress) {
    PieceBuilder piece(item.id);
    const TaskInfo* info = nullptr;
    msgpack::object_handle handle;
    try {
        info = &find_task(item.task);
        handle = unpack_bounded(item.args, DecodeLimits{});
        const auto& array = handle.get();
        if (array.type != msgpack::type::ARRAY || array.via.array.size != item.count) {
            throw ProtocolError("Pool: malformed chunk of arguments for task '" + item.task + "'");
        }
    } catch (...) {
        for (std::uint32_t i = 0; i < item.count; ++i) piece.failed(item);
        results.push_back(piece.take());
        return;
    }
    const auto& array = handle.get();
    for (std::uint32_t i = 0; i < item.count; ++i) {
        const auto mark = piece.out().size();
        try {
            info->invoke(array.via.array.ptr[i], piece.out());
            piece.ok();
        } catch (...) {
            // Nothing half-packed stays: sbuffer cannot shrink, so rebuild from the mark.
            if (piece.out().size() != mark) {
                std::string keep(piece.out().data(), mark);
                piece.out().clear();
                piece.out().write(keep.data(), keep.size());
            }
            piece.failed(item);
        }
        if (i + 1 < item.count) progress(piece);
    }
    if (!piece.empty()) results.push_back(piece.take());
}
// The worker's face to the supervisor: answers pings (the node does that for any hosted
// actor); being stopped ends the process at once, whatever the loop is waiting for.
class WorkerPresence : public Actor {
  protected:
    void on_stop(const std::string& /*reason*/) override {
        std::cout.flush();
        std::fflush(nullptr);
        ::_exit(0);
    }
};
}  // namespace

std::string worker_actor_name(std::uint32_t id) {
    return "pool-worker-" + std::to_string(id);
}

void worker_main(const ActorRef& pool, std::uint32_t id, const std::optional<TaskCall>& initializer,
                 int maxtasks) {
    int code = 0;
    try {
        if (initializer) invoke_task(initializer->name, initializer->packed_args);
        Work work{id, {}, true};
        int done = 0;
        for (;;) {
            auto chunk = pool.request<Chunk>(work);
            if (chunk.stop) break;
            if (!chunk.items.empty()) pool.send(Begun{id, chunk.items.front().id});
            work.results.clear();
            work.results.reserve(chunk.items.size());
            auto flushed = std::chrono::steady_clock::now();
            std::size_t sent = 0;
            // Busy for more than kStreamAfter: stream what is finished (one-way), down to the
            // task, so a death loses little and is charged to the task that was running; the
            // Work request below repeats it, acknowledged, and the pool keeps the first copy.
            auto stream = [&] {
                pool.send(Partial{{work.results.begin() + static_cast<std::ptrdiff_t>(sent),
                                   work.results.end()}});
                sent = work.results.size();
            };
            for (std::size_t k = 0; k < chunk.items.size(); ++k) {
                const auto& item = chunk.items[k];
                run(item, work.results, [&](PieceBuilder& piece) {
                    auto now = std::chrono::steady_clock::now();
                    if (now - flushed <= kStreamAfter) return;
                    work.results.push_back(piece.take());
                    stream();
                    flushed = now;
                });
                done += static_cast<int>(item.count);
                auto now = std::chrono::steady_clock::now();
                if (k + 1 < chunk.items.size() && now - flushed > kStreamAfter) {
                    stream();
                    flushed = now;
                }
            }
            if (maxtasks > 0 && done >= maxtasks) {
                work.want_more = false;
                static_cast<void>(pool.request<Chunk>(work));  // results acknowledged
                break;
            }
        }
    } catch (const ActorDownError&) {
        code = 0;  // the pool is gone: nothing left to do
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mpact::Pool worker %d: %s\n", static_cast<int>(::getpid()), e.what());
        code = 1;
    }
    std::cout.flush();
    std::fflush(nullptr);
    ::_exit(code);
}

}  // namespace mpact::detail

// The registered entry point of a worker process (any start method runs it by name).
void mpact_pool_worker(mpact::ActorRef pool, std::uint32_t id,
                       std::optional<mpact::TaskCall> initializer, int maxtasks) {
    // Ctrl-C in a terminal goes to the whole process group: only the parent decides what it
    // means (it dies, and its workers with it, or it handles it and the pool serves on).
    ::signal(SIGINT, SIG_IGN);
    // Up before the initializer runs, so a slow one does not look like a worker that never
    // started; a failing one ends the process, which the supervisor sees.
    static_cast<void>(
        mpact::spawn_named<mpact::detail::WorkerPresence>(mpact::detail::worker_actor_name(id)));
    mpact::detail::worker_main(pool, id, initializer, maxtasks);
}
MPACT_TASK(mpact_pool_worker);
