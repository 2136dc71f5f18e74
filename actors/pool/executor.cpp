// mpact::ProcessPoolExecutor: options mapped onto the Pool's, shutdown, and the futures kept
// for shutdown's cancel_futures.
#include <mpact/executor.hpp>

#include <algorithm>

namespace mpact {

namespace {
PoolOptions pool_options(ExecutorOptions options) {
    if (options.max_workers < 0) {
        throw ValueError("ProcessPoolExecutor: max_workers must be at least 1");
    }
    return PoolOptions{.processes = options.max_workers,
                       .initializer = std::move(options.initializer),
                       .maxtasksperchild = options.max_tasks_per_child,
                       .start_method = options.start_method,
                       .retries = options.retries,
                       .on_exit = OnExit::drain,
                       .drain_timeout = options.drain_timeout};
}
}  // namespace

ProcessPoolExecutor::ProcessPoolExecutor() : ProcessPoolExecutor(ExecutorOptions{}) {}

ProcessPoolExecutor::ProcessPoolExecutor(ExecutorOptions options)
    : pool_(pool_options(std::move(options))) {}

ProcessPoolExecutor::~ProcessPoolExecutor() {
    // The Pool's destructor drains (OnExit::drain): close, wait up to drain_timeout, then
    // terminate. Nothing more to do here than refuse new work.
    std::lock_guard lock(mutex_);
    shut_ = true;
}

void ProcessPoolExecutor::check_open(const char* what) const {
    if (shut_) {
        throw ValueError(std::string("ProcessPoolExecutor::") + what +
                         ": cannot schedule new futures after shutdown");
    }
}

void ProcessPoolExecutor::track_locked(const std::shared_ptr<detail::FutureCore>& core) {
    unfinished_.push_back(core);
    if (unfinished_.size() < prune_at_) return;
    std::erase_if(unfinished_, [](const auto& c) { return c->finished(); });
    prune_at_ = std::max<std::size_t>(64, 2 * unfinished_.size());  // amortised O(1)
}

void ProcessPoolExecutor::shutdown(ShutdownOptions options) {
    std::vector<std::shared_ptr<detail::FutureCore>> cancel;
    {
        std::lock_guard lock(mutex_);
        shut_ = true;
        if (options.cancel_futures) cancel.swap(unfinished_);
        unfinished_.clear();  // nothing more to cancel: let them go
    }
    // Newest first: the oldest are the likeliest to be running already.
    for (auto it = cancel.rbegin(); it != cancel.rend(); ++it) {
        if (!(*it)->finished()) static_cast<void>(detail::batch_cancel_pending((*it)->batch()));
    }
    pool_.close();
    if (options.wait && !joined_) {
        pool_.join();
        joined_ = true;
    }
}

}  // namespace mpact
