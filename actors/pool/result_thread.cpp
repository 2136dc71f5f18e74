#include "result_thread.hpp"

#include "result_states.hpp"

#include <cstdio>
#include <exception>
#include <utility>

namespace mpact::detail {

ResultThread::ResultThread() : thread_([this] { run(); }) {}

ResultThread::~ResultThread() {
    stop();
}

void ResultThread::post(std::function<void()> fn) {
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(std::move(fn));
    }
    cv_.notify_one();
}

void ResultThread::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void ResultThread::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping and drained
        auto job = std::move(jobs_.front());
        jobs_.pop_front();
        lock.unlock();
        try {
            job();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "mpact::Pool: a callback threw: %s\n", e.what());
        } catch (...) {
            std::fprintf(stderr, "mpact::Pool: a callback threw a non-std::exception\n");
        }
        lock.lock();
    }
}

void post_to(const std::shared_ptr<ResultThread>& thread, std::function<void()> fn) {
    if (thread) thread->post(std::move(fn));
}

}  // namespace mpact::detail
