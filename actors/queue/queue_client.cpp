#include "queue_client.hpp"

#include <mpact/errors.hpp>
#include <mpact/internal/error_payload.hpp>
#include <mpact/internal/exit_hooks.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/internal/session.hpp>
#include <mpact/queue_item.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <new>
#include <random>
#include <tuple>
#include <unordered_map>

namespace mpact::detail {

using namespace queue_protocol;
using namespace std::chrono_literals;

namespace {

// The broker answers a timed get/put itself (Empty/Full at the deadline); the caller waits
// this much longer before deciding the broker is not answering at all.
constexpr Duration kGrace = 2s;
// How long process exit may wait for buffered puts, and for unused items to go back.
constexpr Duration kExitFlush = 30s;
constexpr Duration kExitReturn = 5s;
constexpr std::uint32_t kMaxPrefetch = 16384;
// Held items untouched for a whole period of this go back to the broker.
constexpr Duration kIdleGiveBack = 20ms;
// Puts buffered in a process beyond this wait for the batch in flight to be acknowledged.
constexpr std::size_t kMaxBuffered = std::size_t{4} << 20;
// A sent batch's buffer is kept for the next one up to this size (no page faults per batch).
constexpr std::size_t kMaxSpare = 2 * kMaxBuffered;
// Bounded queues: a producer asks for as many credits as the broker will give (its window,
// half of maxsize at most), and gives back what it has not spent after this long.
constexpr std::uint32_t kWantCredits = std::uint32_t{1} << 20;
constexpr Duration kIdleRelease = 10ms;

std::int64_t wait_us(std::optional<Duration> timeout, bool block) {
    if (!block) return 0;
    if (!timeout) return -1;
    return std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::microseconds>(*timeout).count());
}

std::optional<Deadline> reply_deadline(std::optional<Duration> timeout, bool block) {
    if (!block) return deadline_after(kGrace);
    if (!timeout) return std::nullopt;
    return deadline_after(std::max(*timeout, Duration::zero()) + kGrace);
}

std::uint64_t random_id() {
    // Seeded per process: a forked child must not draw its parent's next numbers.
    static thread_local std::mt19937_64 rng;
    static thread_local pid_t seeded_for = 0;
    if (seeded_for != ::getpid()) {
        seeded_for = ::getpid();
        rng.seed((std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}() ^
                 static_cast<std::uint64_t>(seeded_for));
    }
    std::uint64_t id = 0;
    while (id == 0) id = rng();
    return id;
}

bool well_formed(const Items& items) {
    std::uint64_t total = 0;
    for (auto s : items.sizes) total += s;
    return total == items.bytes.size();
}

std::exception_ptr error_from(std::string_view payload) {
    try {
        auto error = unpack_error(payload);
        throw_error(error.kind, error.message, error.stack);
    } catch (...) {
        return std::current_exception();
    }
}

struct Registry {
    std::mutex mutex;
    pid_t pid = ::getpid();
    std::unordered_map<std::string, std::shared_ptr<QueueClient>> clients;
};
Registry& registry() {
    static auto* r = new Registry();  // never destroyed: exit hooks use it
    return *r;
}

}  // namespace

QueueClient::QueueClient(ActorRef broker, bool bounded)
    : broker_(std::move(broker)),
      bounded_(bounded),
      pid_(::getpid()),
      generation(Node::generation()),
      consumer_id_(random_id()) {}

std::shared_ptr<QueueClient> QueueClient::of(const ActorRef& broker, bool bounded) {
    auto& r = registry();
    if (r.pid != ::getpid()) {
        // A forked child: the parent's clients (their batches, their leases) stay the
        // parent's. Leak them rather than run their destructors here.
        new (&r.mutex) std::mutex();
        static_cast<void>(new decltype(r.clients)(std::move(r.clients)));
        r.clients = {};
        r.pid = ::getpid();
    }
    std::lock_guard lock(r.mutex);
    auto key = broker.endpoint() + '#' + broker.name();
    auto& client = r.clients[key];
    if (!client) {
        client = std::make_shared<QueueClient>(broker, bounded);
        at_process_exit([weak = std::weak_ptr<QueueClient>(client)] {
            if (auto c = weak.lock()) c->finish();
        });
    }
    return client;
}

void QueueClient::check_open() const {
    if (closed_) throw ValueError("the queue is closed in this process (close() was called)");
}

void QueueClient::put(std::string_view packed, std::optional<Duration> timeout, bool block) {
    check_open();
    const auto deadline = maybe_deadline_after(timeout);  // bounds the whole wait for room
    std::unique_lock lock(mutex_);
    if (buffer_.bytes.size() >= kMaxBuffered && !Node::get().on_io_thread()) {
        // Backpressure on this process, not on the queue: while a full buffer waits behind
        // the batch in flight, wait for it to leave (memory stays bounded, pages reused).
        flushed_.wait(lock, [this] { return buffer_.bytes.size() < kMaxBuffered || failure_; });
    }
    if (failure_) std::rethrow_exception(failure_);
    if (bounded_) {
        if (credits_ == 0) take_credit(lock, deadline, block);
        --credits_;  // the item takes room the broker has reserved for this process
    }
    buffer_.sizes.push_back(static_cast<std::uint32_t>(packed.size()));
    buffer_.bytes.append(packed);
    ++accepted_;
    if (sending_) return;  // the batch in flight will send this one next
    sending_ = true;
    lock.unlock();
    auto& node = Node::get();
    node.post([self = shared_from_this()] { self->send_batch(); });
}

void QueueClient::take_credit(std::unique_lock<std::mutex>& lock, std::optional<Deadline> deadline,
                              bool block) {
    auto& node = Node::get();
    if (sending_ && !node.on_io_thread()) {
        // The batch on its way comes back with credits if the broker has room to spare: wait
        // for that answer (one round trip) before asking on our own.
        auto acks = acks_;
        auto limit = block && deadline ? std::min(*deadline, deadline_after(kGrace))
                                       : deadline_after(kGrace);
        flushed_.wait_until(lock, limit,
                            [&] { return credits_ > 0 || acks_ != acks || !sending_ || failure_; });
        if (failure_) std::rethrow_exception(failure_);
        if (credits_ > 0) return;
    }
    // No room to spare: ask the broker, which grants room as soon as there is some and
    // answers Full when the wait is over (the broker decides, as for a timed get).
    while (credits_ == 0) {
        std::optional<Duration> left;  // of the put's whole wait
        if (deadline) left = *deadline - Clock::now();
        Credit credit{pid_, kWantCredits, wait_us(left, block)};
        auto reply_by = reply_deadline(left, block);
        lock.unlock();
        std::uint32_t granted = 0;
        try {
            granted = unpack<std::uint32_t>(
                request_message(broker_, type_name<Credit>(), pack(credit), reply_by));
        } catch (const TimeoutError&) {
            throw Full("put() timed out: the queue stayed full");
        }
        lock.lock();
        credits_ += granted;
        if (credits_ > 1 && !release_armed_) {
            release_armed_ = true;
            release_seen_ = accepted_ + 1;  // this put is not idleness
            node.post([self = shared_from_this()] { self->arm_release_check(); });
        }
        if (credits_ == 0 && (!block || (deadline && Clock::now() >= *deadline))) {
            throw Full("the queue is full");  // another thread took what was granted
        }
    }
}

void QueueClient::arm_release_check() {
    if (!release_timer_) {
        release_timer_ = std::make_unique<boost::asio::steady_timer>(Node::get().io());
    }
    release_timer_->expires_after(kIdleRelease);
    release_timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->release_check();
    });
}

void QueueClient::release_check() {
    std::unique_lock lock(mutex_);
    if (credits_ == 0) {
        release_armed_ = false;
        return;
    }
    if (accepted_ != release_seen_) {  // still putting: keep the credits
        release_seen_ = accepted_;
        lock.unlock();
        arm_release_check();
        return;
    }
    lock.unlock();
    release_credits();
}

void QueueClient::release_credits() {
    std::uint32_t n = 0;
    {
        std::lock_guard lock(mutex_);
        n = static_cast<std::uint32_t>(credits_);
        credits_ = 0;
        release_armed_ = false;
    }
    if (n == 0) return;
    try {
        auto& node = Node::get();
        node.post([&node, broker = broker_, payload = pack(Release{pid_, n})] {
            node.request_async(broker, type_name<Release>(), payload, std::nullopt,
                               [](Kind, std::string_view) {});
        });
    } catch (const Error&) {
        // No node any more: the broker learns of this process's end and frees the room.
    }
}

void QueueClient::send_batch() {
    Items batch;
    {
        std::lock_guard lock(mutex_);
        if (buffer_.sizes.empty()) {
            sending_ = false;
            flushed_.notify_all();
            return;
        }
        std::swap(batch, buffer_);
        std::swap(buffer_, spare_);  // puts go on into the capacity of the last batch
    }
    flushed_.notify_all();  // a producer waiting for buffer room has it
    auto count = batch.sizes.size();
    Put put{pid_, std::move(batch), bounded_ ? kWantCredits : 0};
    auto payload = pack(put);
    put.items.sizes.clear();
    put.items.bytes.clear();
    if (put.items.bytes.capacity() <= kMaxSpare) spare_ = std::move(put.items);
    Node::get().request_async(
        broker_, type_name<Put>(), std::move(payload), std::nullopt,
        [self = shared_from_this(), count](Kind kind, std::string_view reply) {
            std::uint32_t granted = 0;
            if (kind == Kind::reply && self->bounded_) {
                try {
                    granted = unpack<std::uint32_t>(reply);
                } catch (const Error&) {
                }
            }
            bool arm = false;
            {
                std::lock_guard lock(self->mutex_);
                self->delivered_ += count;
                ++self->acks_;
                self->credits_ += granted;
                if (self->credits_ > 0 && !self->release_armed_) {
                    self->release_armed_ = arm = true;
                    self->release_seen_ = self->accepted_;
                }
                if (kind != Kind::reply) {
                    self->lost_ += count;
                    if (!self->failure_) self->failure_ = error_from(reply);
                }
            }
            self->flushed_.notify_all();
            if (arm) self->arm_release_check();
            self->send_batch();
        });
}

bool QueueClient::flush(std::optional<Deadline> deadline) {
    std::unique_lock lock(mutex_);
    auto done = [this] { return delivered_ >= accepted_; };
    if (!deadline) {
        flushed_.wait(lock, done);
    } else if (!flushed_.wait_until(lock, *deadline, done)) {
        return false;
    }
    return lost_ == 0;
}

void QueueClient::rethrow_failure() {
    std::lock_guard lock(mutex_);
    if (failure_) std::rethrow_exception(failure_);
    if (lost_ > 0) throw ActorDownError("puts of this process to the queue were not delivered");
}

bool QueueClient::get(std::optional<Duration> timeout, bool block,
                      const std::function<void(std::string_view)>& take) {
    check_open();
    std::unique_lock turn(get_mutex_, std::defer_lock);
    if (!block) {
        if (!turn.try_lock()) return false;
    } else if (!timeout) {
        turn.lock();
    } else if (!turn.try_lock_for(*timeout)) {
        return false;
    }
    if (next_ >= held_.sizes.size()) {
        // Prefetch adapts: a consumer that used its last batch quickly asks for more at once;
        // a slow one takes one item at a time, leaving the rest to other consumers.
        if (auto used = held_.sizes.size(); used > 0) {
            auto per_item = (Clock::now() - batch_at_) / used;
            if (used >= prefetch_ && per_item < 20us) {
                prefetch_ = std::min(prefetch_ * 4, kMaxPrefetch);
            } else if (per_item > 2ms) {
                prefetch_ = std::max<std::uint32_t>(prefetch_ / 4, 1);
            }
        }
        if (!wait_returned(block ? maybe_deadline_after(timeout) : MaybeDeadline(Clock::now()))) {
            return false;
        }
        Get request{consumer_id_, pid_, prefetch_, lease_, wait_us(timeout, block)};
        lease_ = 0;  // acknowledged by this request
        held_ = {};
        next_ = offset_ = 0;
        std::string reply;
        try {
            reply = request_message(broker_, type_name<Get>(), pack(request),
                                    reply_deadline(timeout, block));
        } catch (const Empty&) {
            return false;
        } catch (const TimeoutError&) {
            return false;
        }
        Batch batch;
        try {
            batch = unpack<Batch>(reply);
            if (batch.items.sizes.empty() || !well_formed(batch.items)) {
                throw ProtocolError("queue broker sent a malformed batch");
            }
        } catch (const ProtocolError&) {
            count_refused();
            throw;
        }
        lease_ = batch.lease;
        held_ = std::move(batch.items);
        batch_at_ = Clock::now();
        if (held_.sizes.size() > 1 && !idle_armed_) {
            idle_armed_ = true;
            Node::get().post([self = shared_from_this()] { self->arm_idle_check(); });
        }
    }
    auto size = held_.sizes[next_++];
    std::string_view bytes(held_.bytes.data() + offset_, size);
    offset_ += size;
    take(bytes);  // a malformed item throws here, after it has been consumed
    return true;
}

bool QueueClient::wait_returned(std::optional<Deadline> deadline) {
    std::unique_lock lock(mutex_);
    auto done = [this] { return !returning_; };
    if (!deadline) {
        flushed_.wait(lock, done);
        return true;
    }
    return flushed_.wait_until(lock, *deadline, done);
}

void QueueClient::arm_idle_check() {
    if (!idle_timer_) idle_timer_ = std::make_unique<boost::asio::steady_timer>(Node::get().io());
    idle_seen_ = static_cast<std::size_t>(-1);
    idle_timer_->expires_after(kIdleGiveBack);
    idle_timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
        if (!ec) self->idle_check();
    });
}

void QueueClient::idle_check() {
    auto again = [this] {
        idle_timer_->expires_after(kIdleGiveBack);
        idle_timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (!ec) self->idle_check();
        });
    };
    std::unique_lock turn(get_mutex_, std::try_to_lock);
    if (!turn.owns_lock()) {  // a get() is running: not idle
        idle_seen_ = static_cast<std::size_t>(-1);
        again();
        return;
    }
    if (lease_ == 0 || next_ >= held_.sizes.size()) {
        idle_armed_ = false;
        return;
    }
    if (idle_seen_ != next_) {  // items were taken since the last look
        idle_seen_ = next_;
        again();
        return;
    }
    Return ret{consumer_id_, lease_, static_cast<std::uint32_t>(next_)};
    lease_ = 0;
    held_ = {};
    next_ = offset_ = 0;
    idle_armed_ = false;
    {
        std::lock_guard lock(mutex_);
        returning_ = true;
    }
    turn.unlock();
    Node::get().request_async(broker_, type_name<Return>(), pack(ret), std::nullopt,
                              [self = shared_from_this()](Kind, std::string_view) {
                                  {
                                      std::lock_guard lock(self->mutex_);
                                      self->returning_ = false;
                                  }
                                  self->flushed_.notify_all();
                              });
}

std::size_t QueueClient::held() {
    std::unique_lock turn(get_mutex_, std::try_to_lock);
    if (!turn.owns_lock()) return 0;  // a getter holds nothing while it waits
    return held_.sizes.size() - next_;
}

void QueueClient::give_back(std::optional<Deadline> deadline) {
    std::unique_lock turn(get_mutex_, std::defer_lock);
    if (deadline ? !turn.try_lock_until(*deadline) : (turn.lock(), false)) return;
    if (lease_ == 0) return;
    Return ret{consumer_id_, lease_, static_cast<std::uint32_t>(next_)};
    lease_ = 0;
    held_ = {};
    next_ = offset_ = 0;
    // Sent by the I/O thread: at process exit this thread's own links may be gone already
    // (thread-local destructors run before exit hooks).
    auto answered = std::make_shared<std::promise<void>>();
    auto future = answered->get_future();
    try {
        auto& node = Node::get();
        node.post([&node, broker = broker_, payload = pack(ret), answered] {
            node.request_async(broker, type_name<Return>(), payload, std::nullopt,
                               [answered](Kind, std::string_view) { answered->set_value(); });
        });
    } catch (const Error&) {
        return;  // no node any more: nothing is left to give back to
    }
    if (deadline) {
        static_cast<void>(future.wait_until(*deadline));
    } else {
        future.wait();
    }
}

void QueueClient::close() {
    closed_ = true;
    release_credits();  // this process will put no more: its reserved room is the others'
    give_back(deadline_after(kExitReturn));
}

void QueueClient::finish() noexcept {
    try {
        if (!cancel_join_) flush(deadline_after(kExitFlush));
        give_back(deadline_after(kExitReturn));
    } catch (...) {
    }
}

}  // namespace mpact::detail
