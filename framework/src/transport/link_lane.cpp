// Link's fast lane (transport/lane.hpp): when it opens, how a message goes on it, and how
// the owner thread waits for an answer there.
//
// The switch keeps per-sender FIFO: nothing may go on the lane while something sent
// through ZeroMQ may still be unread by the peer. A link knows that is over when an answer
// to its last ZeroMQ request came back on it (a user thread's request/reply). Otherwise
// (one-way traffic; an I/O thread's link, whose answers come to the node's mailbox) it
// asks: a node-level sync request through ZeroMQ, behind everything it sent there; what it
// sends meanwhile is held; the answer, which comes to the mailbox and which the peer sends
// past any holds of its own, lets the held messages onto the lane. A user thread's request
// made while a sync is out goes through ZeroMQ with everything held before it (waiting for
// the sync would make it wait twice).
#include <mpact/internal/actor_host.hpp>
#include <mpact/internal/adaptive_spin.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/internal/pidfd.hpp>
#include <mpact/node.hpp>

#include "transport/link.hpp"
#include "transport/tail_flusher.hpp"
#include "wire/envelope.hpp"

#include <poll.h>
#include <unistd.h>

namespace mpact::detail {

namespace {
// A lane that could not be opened is tried again after this, doubling up to kRetryMax.
constexpr std::chrono::milliseconds kRetryFirst{10};
constexpr std::chrono::milliseconds kRetryMax{1000};
// A switch-over sync not answered by then is given up (the peer is wedged, or far behind).
constexpr std::chrono::milliseconds kSyncPatience{1000};
// While holding, the peer's pidfd is looked at once per this long (a poll per send is dear).
constexpr std::chrono::milliseconds kDeadCheckEvery{5};
// After a sync was given up, the next waits this long, doubling up to kSyncRetryMax.
constexpr std::chrono::milliseconds kSyncRetryMax{8000};

NodeCounters* counters() noexcept {
    auto* node = Node::peek();
    return node != nullptr ? &node->counters() : nullptr;
}
}  // namespace

void Link::consider_lane(bool awaits) {
    if (lane_state_ == LaneState::none) {
        if (lane_retry_gap_.count() != 0 && Clock::now() < lane_retry_at_) return;
        lane_fd_ = lane_connect(endpoint, pid);
        if (lane_fd_ < 0) {
            lane_retry_gap_ = std::min(std::max(2 * lane_retry_gap_, kRetryFirst), kRetryMax);
            lane_retry_at_ = Clock::now() + lane_retry_gap_;
            return;
        }
        lane_state_ = LaneState::pending;
    }
    if (lane_state_ == LaneState::pending) {
        switch (lane_poll_ack(lane_fd_)) {
            case LaneAck::pending:
                return;
            case LaneAck::accepted:
                lane_state_ = LaneState::accepted;
                lane_retry_gap_ = std::chrono::milliseconds(0);
                break;
            case LaneAck::refused:
                close_lane();
                lane_retry_gap_ = std::min(std::max(2 * lane_retry_gap_, kRetryFirst), kRetryMax);
                lane_retry_at_ = Clock::now() + lane_retry_gap_;
                return;
        }
    }
    if (lane_state_ != LaneState::accepted) return;
    if (!zmq_in_flight_.load(std::memory_order_relaxed)) {
        lane_state_ = LaneState::active;
        if (auto* c = counters()) ++c->lanes_opened;
        return;
    }
    // A request's answer will tell (its answer comes through ZeroMQ, after all before it).
    if (awaits) return;
    if (lane_retry_gap_.count() != 0 && Clock::now() < lane_retry_at_) return;  // abandoned
    auto* node = Node::peek();
    if (node == nullptr) return;
    Header h;
    h.kind = Kind::request;
    h.corr = node->expect_lane_sync(weak_from_this());
    h.from_endpoint = node->endpoint();
    h.type = kSyncType;
    send_zmq(encode_header(h), pack(msgpack::type::nil_t{}));
    sync_corr_ = h.corr;
    sync_sent_at_ = Clock::now();
    ++node->counters().lane_syncs;
    lane_state_ = LaneState::syncing;
}

bool Link::abandon_sync_if_hopeless() {
    const auto now = Clock::now();
    bool dead = false;
    if (now - dead_checked_at_ >= kDeadCheckEvery) {
        dead_checked_at_ = now;
        dead = pidfd_ended(pidfd);
    }
    if (!dead && now - sync_sent_at_ < kSyncPatience) return false;
    if (auto* node = Node::peek()) {
        node->forget_lane_sync(sync_corr_);
        ++node->counters().lane_syncs_abandoned;
    }
    release_held();
    lane_retry_gap_ = std::min(std::max(2 * lane_retry_gap_, kSyncPatience), kSyncRetryMax);
    lane_retry_at_ = Clock::now() + lane_retry_gap_;
    if (dead) {  // nothing more will be read: ZeroMQ keeps what comes, as without a lane
        close_lane();
        lane_allowed_ = false;
    }
    return true;
}

void Link::promote_if_synced() {
    if (lane_state_ != LaneState::syncing ||
        synced_corr_.load(std::memory_order_acquire) != sync_corr_) {
        return;
    }
    lane_state_ = LaneState::active;
    lane_retry_gap_ = std::chrono::milliseconds(0);
    zmq_in_flight_.store(false, std::memory_order_relaxed);
    if (auto* c = counters()) ++c->lanes_opened;
    auto held = std::move(held_);
    held_.clear();
    for (auto& [header, payload] : held) {
        if (lane_state_ != LaneState::active || !send_on_lane(header, payload)) {
            send_zmq(header, std::move(payload));
        }
    }
}

void Link::release_held() {
    lane_state_ = LaneState::accepted;
    sync_corr_ = 0;
    auto held = std::move(held_);
    held_.clear();
    for (auto& [header, payload] : held) send_zmq(header, std::move(payload));
}

void Link::lane_synced(std::uint64_t corr) noexcept {
    synced_corr_.store(corr, std::memory_order_release);
    // The owner may be sending right now: then its next send, or the TailFlusher, moves on.
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) {
        try {
            if (flusher_ != nullptr) flusher_->watch(weak_from_this());
        } catch (...) {
        }
        return;
    }
    lane_nonblocking_ = true;  // this is the I/O thread (the owner is not writing: we hold it)
    try {
        promote_if_synced();
    } catch (...) {  // ZeroMQ refused (the context is gone): one-way, nobody left to tell
    }
    lane_nonblocking_ = false;
}

bool Link::send_on_lane(const std::string& header, const std::string& payload) {
    bool ok = true;
    if (never_block()) {
        if (!lane_out_.empty()) {
            lane_out_ += lane_prefix(header.size(), payload.size());
            lane_out_ += header;
            lane_out_ += payload;
            ok = lane_write_raw(lane_fd_, lane_out_, false);
        } else {
            ok = lane_write(lane_fd_, header, payload, false, &lane_out_);
        }
    } else {
        ok = lane_write_raw(lane_fd_, lane_out_, true) &&
             lane_write(lane_fd_, header, payload, true);
    }
    if (!ok) {
        // The peer closed the lane or died: what it had not read is lost, as it would be
        // in its ZeroMQ socket; this message and the next go through ZeroMQ. The lane is
        // closed by its owner thread (the TailFlusher leaves it: the owner may be reading).
        if (!lane_nonblocking_ || io_owner_) close_lane();
        lane_out_.clear();
        return false;
    }
    if (auto* c = counters()) ++c->lane_sent;
    if (!lane_out_.empty() && never_block()) watch_tail();
    return true;
}

void Link::watch_tail() {
    if (watched_ || flusher_ == nullptr) return;
    watched_ = true;
    flusher_->watch(weak_from_this());
}

void Link::finish(Clock::time_point deadline) noexcept {
    try {
        std::lock_guard lock(mutex_);
        flush_locked();
        // No answer can come now: what was held goes through ZeroMQ, behind the sync.
        if (lane_state_ == LaneState::syncing) release_held();
        while (lane_state_ == LaneState::active && !lane_out_.empty()) {
            if (!lane_write_raw(lane_fd_, lane_out_, false)) break;
            if (lane_out_.empty()) break;
            auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) break;  // lost: the peer did not read in time
            pollfd item{lane_fd_, POLLOUT, 0};
            ::poll(&item, 1, static_cast<int>(left.count()));
        }
    } catch (...) {
    }
}

void Link::close_lane() noexcept {
    if (lane_fd_ >= 0) ::close(lane_fd_);
    lane_fd_ = -1;
    lane_state_ = LaneState::none;
    lane_out_.clear();
    lane_in_ = LaneInput{};
}

Link::LaneWait Link::await_lane(std::string& header, std::string& payload,
                                std::optional<Clock::time_point> deadline) {
    thread_local AdaptiveSpin spin;
    const int fd = lane_fd_;
    const auto max =
        Node::peek() != nullptr ? Node::peek()->max_message_size() : std::uint64_t{1} << 31;
    bool spun = false;
    while (true) {
        LaneInput::Frame frame;
        auto next = lane_in_.next(frame, max);
        if (next == LaneInput::Next::frame) {
            if (frame.oversized) continue;
            header.assign(frame.header);
            payload.assign(frame.payload);
            return LaneWait::frame;
        }
        if (next == LaneInput::Next::bad) break;
        auto n = lane_in_.read_from(fd);
        if (n > 0) continue;
        if (n == 0) break;  // the peer closed the lane or ended
        if (!spun) {
            spun = true;
            if (spin.wait_readable(fd, default_spin(), deadline)) continue;
        }
        pollfd items[2] = {{fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
        int timeout = -1;
        if (deadline) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
            timeout = static_cast<int>(std::max<std::int64_t>(left.count(), 0));
        }
        int r = ::poll(items, pidfd >= 0 ? 2 : 1, timeout);
        if (r < 0 && errno != EINTR) break;
        if ((items[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) continue;
        // The peer ended: what it wrote before is still read above, first.
        if (pidfd >= 0 && (items[1].revents & POLLIN) != 0) {
            if (lane_in_.read_from(fd) > 0) continue;
            break;
        }
        if (deadline && Clock::now() >= *deadline) return LaneWait::timeout;
    }
    std::lock_guard lock(mutex_);
    close_lane();
    return LaneWait::closed;
}

}  // namespace mpact::detail
