// Semaphore handles: one request per acquire and per release.
#include <mpact/errors.hpp>
#include <mpact/semaphore.hpp>

#include "protocol.hpp"
#include "semaphore_actor.hpp"

#include <string>

namespace mpact::detail {

using namespace sync_protocol;

namespace {
std::int64_t checked_value(std::int64_t value) {
    if (value < 0) {
        throw ValueError("a semaphore's initial value must be >= 0, got " + std::to_string(value));
    }
    return value;
}
}  // namespace

SemaphoreCore::SemaphoreCore(std::int64_t value, bool bounded)
    : h_(bounded ? "BoundedSemaphore" : "Semaphore",
         std::make_unique<SemaphoreActor>(checked_value(value), bounded)) {}

bool SemaphoreCore::acquire(std::optional<Duration> timeout) const {
    const SemAcquire request{this_owner(), new_ticket(), wait_us(timeout)};
    try {
        return h_.call<bool>(request, timeout);
    } catch (const TimeoutError&) {
        h_.send(SemCancel{request.owner, request.ticket});  // undo a late grant
        return false;
    }
}

void SemaphoreCore::release() const {
    h_.call(SemRelease{this_owner()});
}

void SemaphoreCore::unlock() const {
    try {
        release();
    } catch (const ActorDownError&) {
        // The semaphore's process is gone, and its count with it.
    }
}

std::int64_t SemaphoreCore::get_value() const {
    return h_.call<std::int64_t>(SemValue{});
}

}  // namespace mpact::detail
