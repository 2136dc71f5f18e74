// The shared states behind AsyncResult and IMapIterator, fed by the pool actor.
#include <mpact/internal/adaptive_spin.hpp>
#include <mpact/node.hpp>

#include "result_states.hpp"

namespace mpact::detail {

void TaskError::raise() const {
    throw_error(kind, message, stack);
}

std::vector<std::string> split_packed(std::string_view blob, std::size_t count) {
    auto handle = unpack_bounded(blob, DecodeLimits{});
    const auto& array = handle.get();
    if (array.type != msgpack::type::ARRAY || array.via.array.size != count) {
        throw ProtocolError("Pool: a chunk of results is malformed");
    }
    std::vector<std::string> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) out.push_back(pack(array.via.array.ptr[i]));
    return out;
}

BatchState::BatchState(std::size_t n, std::shared_ptr<ResultThread> thread)
    : size_(n), remaining_(n), ready_(n == 0), thread_(std::move(thread)) {}

void BatchState::deliver(ChunkResult result) {
    std::unique_lock lock(mutex_);
    if (ready_ || chunks.count(result.first) != 0) return;
    if (!result.errors.empty()) {
        error = std::move(result.errors.front().second);
        finish_locked(lock);
        return;
    }
    remaining_ -= std::min<std::size_t>(remaining_, result.count);
    chunks.emplace(result.first, std::move(result));
    if (remaining_ == 0) finish_locked(lock);
}

void BatchState::fail(std::size_t /*first*/, std::uint32_t /*count*/, TaskError err) {
    std::unique_lock lock(mutex_);
    if (ready_) return;
    error = std::move(err);
    finish_locked(lock);
}

void BatchState::finish_locked(std::unique_lock<std::mutex>& lock) {
    ready_ = true;
    done_.store(true, std::memory_order_release);
    lock.unlock();
    cv_.notify_all();
    if (on_ready_inline) on_ready_inline(*this);
    if (on_ready && thread_) {
        auto self = shared_from_this();
        post_to(thread_, [self] { self->on_ready(*self); });
    }
}

bool BatchState::wait(MaybeDeadline deadline) {
    // A result usually comes within a round trip: looking for it briefly (adaptively, as a
    // requester does) saves this thread the sleep and the wake-up the condition costs.
    thread_local AdaptiveSpin spin;
    if (!done_.load(std::memory_order_acquire)) {
        static_cast<void>(spin.wait([this] { return done_.load(std::memory_order_acquire); },
                                    default_spin(), deadline));
    }
    std::unique_lock lock(mutex_);
    if (!deadline) {
        cv_.wait(lock, [this] { return ready_; });
        return true;
    }
    return cv_.wait_until(lock, *deadline, [this] { return ready_; });
}

bool BatchState::ready() {
    std::lock_guard lock(mutex_);
    return ready_;
}

void StreamState::push_locked(std::size_t index, Outcome outcome) {
    if (!ordered_) {
        ready_.push_back(std::move(outcome));
        return;
    }
    if (index < next_index_ || early_.count(index) != 0) return;  // already delivered
    early_.emplace(index, std::move(outcome));
    for (auto it = early_.find(next_index_); it != early_.end(); it = early_.find(next_index_)) {
        ready_.push_back(std::move(it->second));
        early_.erase(it);
        ++next_index_;
    }
}

void StreamState::deliver(ChunkResult result) {
    auto values = split_packed(result.values, result.count);
    {
        std::lock_guard lock(mutex_);
        std::size_t e = 0;
        for (std::uint32_t i = 0; i < result.count; ++i) {
            if (e < result.errors.size() && result.errors[e].first == i) {
                push_locked(result.first + i,
                            Outcome{false, {}, std::move(result.errors[e].second)});
                ++e;
            } else {
                push_locked(result.first + i, Outcome{true, std::move(values[i]), {}});
            }
        }
    }
    cv_.notify_all();
}

void StreamState::fail(std::size_t first, std::uint32_t count, TaskError err) {
    {
        std::lock_guard lock(mutex_);
        for (std::uint32_t i = 0; i < count; ++i) push_locked(first + i, Outcome{false, {}, err});
    }
    cv_.notify_all();
}

std::optional<StreamState::Outcome> StreamState::take(MaybeDeadline deadline) {
    std::unique_lock lock(mutex_);
    auto has = [this] { return !ready_.empty(); };
    if (!deadline) {
        cv_.wait(lock, has);
    } else if (!cv_.wait_until(lock, *deadline, has)) {
        return std::nullopt;
    }
    Outcome out = std::move(ready_.front());
    ready_.pop_front();
    return out;
}

// The calls the public handles make (they see the states only by name).
bool batch_wait(BatchState& state, MaybeDeadline deadline) {
    return state.wait(deadline);
}
bool batch_ready(BatchState& state) {
    return state.ready();
}
bool batch_failed(const BatchState& state) {
    return state.error.has_value();
}
bool batch_cancel(BatchState& state) {
    if (batch_ready(state) || !state.cancel) return false;
    return state.cancel(false);
}
bool batch_cancel_pending(BatchState& state) {
    if (batch_ready(state) || !state.cancel) return false;
    return state.cancel(true);
}
bool batch_dispatched(BatchState& state) {
    return !batch_ready(state) && state.dispatched && state.dispatched();
}
bool batch_cancelled(const BatchState& state) {
    return state.error.has_value() && state.error->kind == "CancelledError";
}
void batch_raise(const BatchState& state) {
    state.error->raise();
}
std::size_t batch_size(const BatchState& state) {
    return state.size();
}
void batch_values(const BatchState& state,
                  const std::function<void(const msgpack::object&)>& each) {
    for (const auto& [first, chunk] : state.chunks) {
        auto handle = unpack_bounded(chunk.values, DecodeLimits{});
        const auto& array = handle.get();
        if (array.type != msgpack::type::ARRAY || array.via.array.size != chunk.count) {
            throw ProtocolError("Pool: a chunk of results is malformed");
        }
        for (std::uint32_t i = 0; i < chunk.count; ++i) each(array.via.array.ptr[i]);
    }
}
void batch_on_ready(BatchState& state, std::function<void(BatchState&)> fn) {
    state.on_ready = std::move(fn);
}
std::shared_ptr<ResultSink> sink_of(const std::shared_ptr<BatchState>& state) {
    return state;
}

}  // namespace mpact::detail
