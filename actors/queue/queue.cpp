// The untyped queue handle: creating the broker, and every call routed to this process's
// QueueClient for the queue.
#include <mpact/internal/actor_owner.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/queue.hpp>

#include "queue_actor.hpp"
#include "queue_client.hpp"

#include <unistd.h>

#include <chrono>

namespace mpact::detail {

using namespace std::chrono_literals;

namespace {
constexpr Duration kQuery = 30s;  // qsize() and friends: a broker that long silent is broken
}  // namespace

QueueHandle::QueueHandle(std::size_t maxsize, bool joinable)
    : broker_(spawn<QueueActor>(maxsize, joinable)), maxsize_(maxsize), joinable_(joinable) {
    owner_ = own_actor(broker_);
}

QueueHandle::QueueHandle(const QueueHandle& other)
    : broker_(other.broker_),
      maxsize_(other.maxsize_),
      joinable_(other.joinable_),
      owner_(other.owner_),
      client_(other.client_.load(std::memory_order_acquire)) {}

QueueHandle& QueueHandle::operator=(const QueueHandle& other) {
    if (this != &other) {
        broker_ = other.broker_;
        maxsize_ = other.maxsize_;
        joinable_ = other.joinable_;
        owner_ = other.owner_;
        client_.store(other.client_.load(std::memory_order_acquire), std::memory_order_release);
    }
    return *this;
}

QueueClient& QueueHandle::client() const {
    auto* c = client_.load(std::memory_order_acquire);
    if (c != nullptr && c->generation == Node::generation()) return *c;
    if (!broker_.valid()) throw ValueError("use of an empty queue handle");
    // The registry keeps every client for the life of the process, so a plain pointer is safe.
    c = QueueClient::of(broker_, maxsize_ > 0).get();
    client_.store(c, std::memory_order_release);
    return *c;
}

void QueueHandle::put(std::string_view packed, std::optional<Duration> timeout, bool block) const {
    try {
        client().put(packed, timeout, block);
    } catch (...) {
        discard_item(packed);  // refused (Full, closed, broker gone): its file is nobody's
        throw;
    }
}

bool QueueHandle::get(std::optional<Duration> timeout, bool block,
                      const std::function<void(std::string_view)>& take) const {
    return client().get(timeout, block, take);
}

std::size_t QueueHandle::qsize() const {
    auto& c = client();
    c.flush(deadline_after(kQuery));  // this process's own puts count once made
    auto waiting = broker_.request<std::uint64_t>(queue_protocol::Size{}, kQuery);
    return static_cast<std::size_t>(waiting) + c.held();
}

void QueueHandle::close() const {
    client().close();
}

bool QueueHandle::join_thread(std::optional<Duration> timeout) const {
    auto& c = client();
    try {
        c.check_open();
    } catch (const ValueError&) {
        if (c.flush(maybe_deadline_after(timeout))) return true;
        if (!timeout) c.rethrow_failure();  // without a timeout, false can only mean lost
        return false;
    }
    throw ValueError("join_thread() before close(): the queue is still open in this process");
}

void QueueHandle::cancel_join_thread() const {
    client().cancel_join();
}

void QueueHandle::task_done() const {
    if (!joinable_) throw ValueError("task_done() on a queue that is not a JoinableQueue");
    broker_.request(queue_protocol::TaskDone{}, kQuery);
}

bool QueueHandle::join(std::optional<Duration> timeout) const {
    if (!joinable_) throw ValueError("join() on a queue that is not a JoinableQueue");
    // The timeout bounds the flush and the wait together; this process's puts are counted
    // before it waits.
    const auto deadline = maybe_deadline_after(timeout);
    if (!client().flush(deadline)) {
        if (!deadline) client().rethrow_failure();
        return false;
    }
    queue_protocol::Join request{static_cast<std::int32_t>(::getpid()), -1};
    if (!deadline) {
        broker_.request(request);
        return true;
    }
    const auto left = remaining(*deadline);
    request.wait_us = std::chrono::duration_cast<std::chrono::microseconds>(left).count();
    try {
        broker_.request(request, left + 2s);
        return true;
    } catch (const TimeoutError&) {
        return false;
    }
}

}  // namespace mpact::detail
