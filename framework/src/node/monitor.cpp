// A Monitor owns its own DEALER (it outlives any one request) on which it asks the actor's
// node for "mpact.monitor": that request is answered with a Down only when the actor ends.
// Beside it the Monitor polls the host process's pidfd, so a killed process reports too.
#include <mpact/actor_ref.hpp>
#include <mpact/internal/actor_host.hpp>
#include <mpact/internal/error_payload.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/internal/pidfd.hpp>

#include "transport/link.hpp"
#include "wire/envelope.hpp"

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <tuple>

namespace mpact::detail {

struct MonitorState {
    ActorRef ref;
    std::optional<Link> link;
    std::optional<Down> down;

    Down gone(std::string reason) const {
        return Down{ref.endpoint(), ref.name(), std::move(reason)};
    }

    // One poll of at most `timeout_ms` (-1: no limit); sets `down` when the actor has ended.
    void poll_once(int timeout_ms) {
        zmq::pollitem_t items[2] = {{static_cast<void*>(link->socket), 0, ZMQ_POLLIN, 0},
                                    {nullptr, link->pidfd, ZMQ_POLLIN, 0}};
        const int count = link->pidfd >= 0 ? 2 : 1;
        zmq::poll(items, count, std::chrono::milliseconds(timeout_ms));
        if ((items[0].revents & ZMQ_POLLIN) != 0) {
            zmq::message_t head, body;
            if (!link->socket.recv(head, zmq::recv_flags::dontwait) || !head.more() ||
                !link->socket.recv(body, zmq::recv_flags::dontwait)) {
                return;
            }
            auto header = decode_header(head.to_string_view());
            if (!header) return;
            try {
                if (header->kind == Kind::reply) {
                    down = unpack<Down>(body.to_string_view());
                } else {
                    down = gone("noproc: " + unpack_error(body.to_string_view()).message);
                }
            } catch (const ProtocolError& e) {
                down = gone(std::string("noproc: ") + e.what());
            }
            return;
        }
        if (count == 2 && (items[1].revents & POLLIN) != 0) {
            down = gone("process " + std::to_string(link->pid) + " ended");
        }
    }
};

}  // namespace mpact::detail

namespace mpact {

Monitor::Monitor(std::unique_ptr<detail::MonitorState> state) : state_(std::move(state)) {}
Monitor::Monitor(Monitor&&) noexcept = default;
Monitor& Monitor::operator=(Monitor&&) noexcept = default;
Monitor::~Monitor() = default;

std::optional<Down> Monitor::wait(Duration timeout) {
    auto deadline = deadline_after(timeout);
    while (!state_->down) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(remaining(deadline));
        state_->poll_once(static_cast<int>(left.count()));
        if (!state_->down && Clock::now() >= deadline) break;
    }
    return state_->down;
}

Down Monitor::wait() {
    while (!state_->down) state_->poll_once(-1);
    return *state_->down;
}

Monitor ActorRef::monitor() const {
    if (!valid()) throw ValueError("monitor() on an empty ActorRef");
    auto state = std::make_unique<detail::MonitorState>();
    state->ref = *this;
    state->link.emplace(detail::Node::get().context(), endpoint_);
    auto& link = *state->link;
    if (link.pid != 0 && link.pid != ::getpid() && link.pidfd < 0) {
        state->down = state->gone("process " + std::to_string(link.pid) + " ended");
        return Monitor(std::move(state));
    }
    detail::Header h;
    h.kind = detail::Kind::request;
    h.to = name_;
    h.corr = 1;
    h.type = std::string(detail::kMonitorType);
    link.send(detail::encode_header(h), pack(msgpack::type::nil_t{}));
    return Monitor(std::move(state));
}

}  // namespace mpact
