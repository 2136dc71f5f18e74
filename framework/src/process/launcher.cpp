#include "process/launcher.hpp"

#include "process/child_role.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <new>
#include <thread>

namespace mpact::detail {

namespace {

struct Job {
    const std::function<void()>* fn = nullptr;
    sigset_t mask{};
    std::exception_ptr error;
    bool done = false;
};

struct Launcher {
    std::mutex mutex;
    std::condition_variable cv;
    Job* job = nullptr;  // at most one: callers take turns on g_turn

    void serve() {
        std::unique_lock lock(mutex);
        while (true) {
            cv.wait(lock, [this] { return job != nullptr && !job->done; });
            Job& j = *job;
            lock.unlock();
            sigset_t own;
            ::pthread_sigmask(SIG_SETMASK, &j.mask, &own);  // a child inherits the caller's
            try {
                (*j.fn)();
            } catch (...) {
                j.error = std::current_exception();
            }
            ::pthread_sigmask(SIG_SETMASK, &own, nullptr);
            lock.lock();
            j.done = true;
            cv.notify_all();
        }
    }
};

// Both renewed in a forked child (pthread_atfork): the parent's launcher thread does not
// exist there, and another parent thread may have held the lock at the fork.
std::mutex g_turn;  // one job at a time
Launcher* g_launcher = nullptr;

#if defined(__SANITIZE_ADDRESS__)
// A child forked on the launcher thread has no copy of the caller's stack, where the
// parent's Process state lives, so LeakSanitizer's exit check in that child reports it as
// leaked (a false positive that failed process_test under ASan). Leak checks stay on in
// every process that was not forked; LSan asks this hook at its check.
std::atomic<bool> g_forked_child{false};
}  // namespace
extern "C" int __lsan_is_turned_off() {
    return g_forked_child.load() ? 1 : 0;
}
namespace {
#endif

void forget_after_fork() noexcept {
#if defined(__SANITIZE_ADDRESS__)
    g_forked_child.store(true);
#endif
    new (&g_turn) std::mutex();
    g_launcher = nullptr;  // leaked on purpose: its mutex and thread belong to the parent
}

Launcher& launcher() {
    static const bool registered = [] {
        ::pthread_atfork(nullptr, nullptr, forget_after_fork);
        return true;
    }();
    static_cast<void>(registered);
    if (g_launcher == nullptr) {
        // Never destroyed: the thread waits on it until the process ends. Reachable from
        // g_launcher, so leak checkers stay quiet.
        auto* fresh = new Launcher();
        std::thread([fresh] { fresh->serve(); }).detach();
        g_launcher = fresh;
    }
    return *g_launcher;
}

}  // namespace

void run_on_launcher(const std::function<void()>& fn) {
    ensure_role();  // the hard guard: a child that has not taken its role never forks
    std::lock_guard turn(g_turn);
    Launcher& l = launcher();
    Job job;
    job.fn = &fn;
    ::pthread_sigmask(SIG_SETMASK, nullptr, &job.mask);
    {
        std::unique_lock lock(l.mutex);
        l.job = &job;
        l.cv.notify_all();
        l.cv.wait(lock, [&] { return job.done; });
        l.job = nullptr;
    }
    if (job.error) std::rethrow_exception(job.error);
}

}  // namespace mpact::detail
