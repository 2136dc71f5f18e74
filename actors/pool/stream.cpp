// mpact::Pool's imap engine: a window over the caller's input (see stream.hpp).
#include "stream.hpp"

#include <mpact/internal/node.hpp>
#include <mpact/node.hpp>

#include <algorithm>
#include <utility>
#include <vector>

namespace mpact::detail {

Stream::Stream(std::shared_ptr<PoolCore> core, std::shared_ptr<const std::string> task,
               std::unique_ptr<ChunkSource> source, Window window, std::optional<Duration> timeout,
               bool ordered)
    : core_(std::move(core)),
      task_(std::move(task)),
      source_(std::move(source)),
      window_(window),
      timeout_(timeout),
      state_(std::make_shared<StreamState>(ordered)) {}

Stream::~Stream() {
    const bool unfinished = taken_ < submitted_;
    const bool held = holding_;
    if (held) {
        std::lock_guard lock(core_->mutex);
        --core_->open_streams;
        holding_ = false;
    }
    if (!unfinished && !held) return;
    try {
        // The state travels along: its address names the stream to the actor, and no other
        // stream may take that address before the drop is done.
        Node::get().post([core = core_, state = state_, unfinished] {
            if (core->live == nullptr) return;
            if (unfinished) {
                core->live->drop(state.get());
            } else {
                core->live->kick();
            }
        });
    } catch (...) {
        // the node is gone: so is the pool's actor
    }
}

void Stream::release() {
    if (!holding_) return;
    {
        std::lock_guard lock(core_->mutex);
        --core_->open_streams;
        holding_ = false;
    }
    kick(core_);
}

void Stream::refill() {
    if (ended_) return;
    const std::size_t chunk = window_.chunksize;
    const std::size_t held = submitted_ - taken_;
    if (held + chunk > window_.tasks) return;
    std::size_t room = window_.tasks - held;
    // One hop to the actor per refill: wait for an eighth of the window, unless it ran dry.
    if (held > 0 && room < std::max(chunk, window_.tasks / 8)) return;
    {
        std::lock_guard lock(core_->mutex);
        if (core_->terminated || core_->stopped) {
            // Nothing more will run: the input is not read further.
            error_ = std::make_exception_ptr(WorkerLostError(
                "Pool: the pool was terminated; the rest of the imap's input was not read"));
            ended_ = true;
        }
    }
    std::vector<PackedChunk> chunks;
    while (!ended_ && room >= chunk) {
        PackedChunk next;
        std::exception_ptr thrown;
        next.count = source_->pull(chunk, next.args, thrown);
        if (thrown) error_ = thrown;
        if (thrown || next.count < chunk) ended_ = true;
        if (next.count == 0) break;
        room -= next.count;
        chunks.push_back(std::move(next));
    }
    if (!chunks.empty()) {
        const std::size_t first = submitted_;
        for (const auto& c : chunks) submitted_ += c.count;
        bool running = false;
        {
            std::lock_guard lock(core_->mutex);
            running = !core_->terminated && !core_->stopped;
            if (running) enqueue_locked(*core_, task_, std::move(chunks), state_, first, timeout_);
        }
        if (running) {
            kick(core_);
        } else {
            // Terminated meanwhile: these fail at their places, as the queued ones did.
            state_->fail(first, static_cast<std::uint32_t>(submitted_ - first),
                         TaskError{"WorkerLostError", "the pool was terminated", "mpact::Pool"});
            ended_ = true;
        }
    }
    if (ended_) release();
}

std::optional<std::string> Stream::next(MaybeDeadline deadline) {
    std::lock_guard turn(mutex_);
    refill();
    if (taken_ == submitted_) {
        // The window holds at least a chunk, so an empty one means the input has ended.
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
        return std::nullopt;
    }
    auto out = state_->take(deadline);
    if (!out) throw TimeoutError("IMapIterator::next: no result within the timeout");
    ++taken_;
    if (!out->ok) out->error.raise();
    return std::move(out->value);
}

std::optional<std::string> stream_next(Stream& stream, MaybeDeadline deadline) {
    return stream.next(deadline);
}

}  // namespace mpact::detail
