// A pool worker: a forked child that asks the pool actor for chunks, runs each item through
// the task registry and hands the results back with its next request (acknowledged).
#include <cxxabi.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <typeinfo>

#include "pool_actor.hpp"

namespace mpact::detail {

using namespace pool_protocol;

namespace {
std::string demangled(const std::type_info& type) {
    int status = 0;
    char* name = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
    std::string out = (status == 0 && name != nullptr) ? name : type.name();
    std::free(name);
    return out;
}

Done run(const Item& item) {
    Done done;
    done.id = item.id;
    auto where = [&] {
        return "in pool worker process " + std::to_string(::getpid()) + ", task '" + item.task +
               "' (task id " + std::to_string(item.id) + ")";
    };
    try {
        done.value = invoke_task(item.task, item.args);
        return done;
    } catch (const Error& e) {
        done.kind = e.kind();
        done.message = e.what();
    } catch (const std::exception& e) {
        done.kind = demangled(typeid(e));
        done.message = e.what();
    } catch (...) {
        done.kind = "unknown";
        done.message = "the task threw an exception that is not a std::exception";
    }
    done.ok = false;
    done.stack = where();
    return done;
}
}  // namespace

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
            for (const auto& item : chunk.items) {
                work.results.push_back(run(item));
                ++done;
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
