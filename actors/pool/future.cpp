// mpact::Future's engine: done callbacks run from the batch's on_ready (the pool's result
// thread), and the watch as_completed and wait block on.
#include <mpact/future.hpp>

#include "result_states.hpp"

#include <condition_variable>
#include <deque>

namespace mpact::detail {

std::shared_ptr<FutureCore> FutureCore::bind(BatchState& batch) {
    auto core = std::make_shared<FutureCore>(batch.shared_from_this());
    // Where the batch completes (the I/O thread): no hop to the result thread unless a
    // callback waits for it, so a future nobody listens to costs no thread wake-up.
    // Weak: the batch outlives its core only while a pool still holds it.
    batch.on_ready_inline = [weak = std::weak_ptr<FutureCore>(core)](BatchState&) {
        if (auto c = weak.lock()) c->finish();
    };
    return core;
}

namespace {
void run_swallowing(const std::function<void()>& fn) {
    try {
        fn();
    } catch (...) {  // Python logs a callback's exception and carries on
    }
}
}  // namespace

void FutureCore::on_done(std::function<void()> fn, bool where_done) {
    {
        std::lock_guard lock(mutex_);
        if (!done_) {
            (where_done ? inline_ : callbacks_).push_back(std::move(fn));
            return;
        }
    }
    run_swallowing(fn);
}

void FutureCore::finish() {
    std::vector<std::function<void()>> callbacks, now;
    {
        std::lock_guard lock(mutex_);
        if (done_) return;
        done_ = true;
        callbacks.swap(callbacks_);
        now.swap(inline_);
    }
    for (const auto& fn : now) run_swallowing(fn);
    if (callbacks.empty()) return;
    auto run = [callbacks = std::move(callbacks)] {
        for (const auto& fn : callbacks) run_swallowing(fn);
    };
    if (const auto& thread = batch_->result_thread()) {
        post_to(thread, std::move(run));
    } else {
        run();
    }
}

bool FutureCore::finished() {
    std::lock_guard lock(mutex_);
    return done_;
}

bool FutureCore::raised() const {
    return batch_failed(*batch_) && !batch_cancelled(*batch_);
}

struct CompletionWatch::Shared {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::size_t> finished;
};

CompletionWatch::CompletionWatch(const std::vector<std::shared_ptr<FutureCore>>& cores)
    : shared_(std::make_shared<Shared>()), left_(cores.size()) {
    for (std::size_t i = 0; i < cores.size(); ++i) {
        // Weak: a watch gone before a future finishes leaves only a no-op behind.
        cores[i]->on_done(
            [weak = std::weak_ptr<Shared>(shared_), i] {
                auto shared = weak.lock();
                if (!shared) return;
                {
                    std::lock_guard lock(shared->mutex);
                    shared->finished.push_back(i);
                }
                shared->cv.notify_all();
            },
            true);  // short and non-blocking: where the future completes
    }
}

CompletionWatch::~CompletionWatch() = default;

std::optional<std::size_t> CompletionWatch::next(MaybeDeadline deadline) {
    if (left_ == 0) return std::nullopt;
    std::unique_lock lock(shared_->mutex);
    auto has = [this] { return !shared_->finished.empty(); };
    if (!deadline) {
        shared_->cv.wait(lock, has);
    } else if (!shared_->cv.wait_until(lock, *deadline, has)) {
        return std::nullopt;
    }
    const auto index = shared_->finished.front();
    shared_->finished.pop_front();
    --left_;
    return index;
}

}  // namespace mpact::detail
