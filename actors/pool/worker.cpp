// A pool worker: a child process that asks the pool actor for chunks, runs each item through
// the task registry and hands the results back with its next request (acknowledged). Beside
// that loop it hosts a small actor for the pool's supervisor, which pings it to see it is up
// and stops it to end the worker.
#include <mpact/internal/demangle.hpp>

#include "pool_actor.hpp"

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

// Runs every task of one chunk from its packed arguments, in one pass over the msgpack; a
// task that throws leaves nil and a Failure at its offset.
Done run(const Item& item) {
    Done done;
    done.id = item.id;
    msgpack::sbuffer out;
    msgpack::packer<msgpack::sbuffer> packer(out);
    packer.pack_array(item.count);
    auto fail_all = [&](std::uint32_t from) {
        for (std::uint32_t i = from; i < item.count; ++i) {
            Failure failure{i, {}, {}, {}};
            fill(failure, item);
            done.failures.push_back(std::move(failure));
            packer.pack_nil();
        }
    };
    const TaskInfo* info = nullptr;
    ItemRunner runner = nullptr;
    msgpack::object_handle handle;
    try {
        info = &find_task(item.task);
        runner = find_item_runner(info->signature);
        handle = unpack_bounded(item.args, DecodeLimits{});
        const auto& array = handle.get();
        if (array.type != msgpack::type::ARRAY || array.via.array.size != item.count) {
            throw ProtocolError("Pool: malformed chunk of arguments for task '" + item.task + "'");
        }
    } catch (...) {
        fail_all(0);
        done.results.assign(out.data(), out.size());
        return done;
    }
    const auto& array = handle.get();
    for (std::uint32_t i = 0; i < item.count; ++i) {
        const auto& args = array.via.array.ptr[i];
        try {
            if (runner != nullptr) {
                runner(info->function, item.task, args, out);
            } else {
                auto value = info->invoke(pack(args));
                out.write(value.data(), value.size());
            }
        } catch (...) {
            Failure failure{i, {}, {}, {}};
            fill(failure, item);
            done.failures.push_back(std::move(failure));
            packer.pack_nil();
        }
    }
    done.results.assign(out.data(), out.size());
    return done;
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
            work.results.clear();
            work.results.reserve(chunk.items.size());
            auto flushed = std::chrono::steady_clock::now();
            std::size_t sent = 0;
            for (const auto& item : chunk.items) {
                work.results.push_back(run(item));
                done += static_cast<int>(item.count);
                // Slow tasks: stream what is finished now (one-way); the Work request below
                // repeats it, acknowledged, and the pool keeps the first copy.
                auto now = std::chrono::steady_clock::now();
                if (work.results.size() < chunk.items.size() && now - flushed > kStreamAfter) {
                    pool.send(Partial{{work.results.begin() + static_cast<std::ptrdiff_t>(sent),
                                       work.results.end()}});
                    sent = work.results.size();
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
    // Up before the initializer runs, so a slow one does not look like a worker that never
    // started; a failing one ends the process, which the supervisor sees.
    static_cast<void>(
        mpact::spawn_named<mpact::detail::WorkerPresence>(mpact::detail::worker_actor_name(id)));
    mpact::detail::worker_main(pool, id, initializer, maxtasks);
}
MPACT_TASK(mpact_pool_worker);
