// How a message leaves a thread: straight from the calling thread's own DEALER link into
// libzmq (no hop through our I/O thread), and for a request the reply comes back on the
// same socket while the thread polls it beside the peer's pidfd — so a dead peer fails the
// request at once rather than at its timeout.
#include <mpact/actor_ref.hpp>
#include <mpact/errors.hpp>
#include <mpact/internal/actor_host.hpp>
#include <mpact/internal/error_payload.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/internal/pidfd.hpp>

#include "transport/link.hpp"
#include "wire/envelope.hpp"

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <tuple>

namespace mpact::detail {

namespace {

Header outgoing(Kind kind, const ActorRef& to, std::string_view type) {
    Header h;
    h.kind = kind;
    h.to = to.name();
    h.type = std::string(type);
    // From inside an actor, say who sends, so the receiver can answer with sender().
    if (auto* node = Node::peek(); node != nullptr && node->on_io_thread()) {
        if (auto* actor = node->current_actor()) {
            h.from_endpoint = node->endpoint();
            h.from_name = actor->self().name();
        }
    }
    return h;
}

[[noreturn]] void throw_down(LinkCache& links, const ActorRef& to, pid_t pid) {
    links.drop(to.endpoint());
    throw ActorDownError("actor '" + to.name() + "' is gone: its process " + std::to_string(pid) +
                         " has ended");
}

int poll_timeout_ms(const std::optional<Deadline>& deadline) {
    if (!deadline) return -1;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(remaining(*deadline));
    return static_cast<int>(left.count());
}

}  // namespace

void send_message(const ActorRef& to, std::string_view type, std::string payload) {
    if (!to.valid()) throw ValueError("send() on an empty ActorRef");
    OneWay message{to.name(), {}, {}, type};
    // From inside an actor, say who sends, so the receiver can answer with sender().
    if (auto* node = Node::peek(); node != nullptr && node->on_io_thread()) {
        if (auto* actor = node->current_actor()) {
            message.from_endpoint = node->endpoint();
            message.from_name = actor->self().name();
        }
    }
    LinkCache::for_this_thread().send_oneway(to.endpoint(), message, std::move(payload));
}

std::string request_message(const ActorRef& to, std::string_view type, std::string payload,
                            std::optional<Deadline> deadline) {
    if (!to.valid()) throw ValueError("request() on an empty ActorRef");
    auto& node = Node::get();
    if (node.on_io_thread()) {
        if (to.endpoint() == node.endpoint()) {
            throw ValueError(
                "a blocking request from an actor to an actor of its own process "
                "would deadlock; answer later with a Reply<T> instead");
        }
    }
    auto& links = LinkCache::for_this_thread();
    // The thread's one-way messages leave first, to every peer: the reply awaited here may
    // depend on any of them.
    links.flush_all();
    auto& link = links.get(to.endpoint());
    if (link.pid != 0 && link.pid != ::getpid() && (link.pidfd < 0 || pidfd_ended(link.pidfd))) {
        throw_down(links, to, link.pid);
    }
    auto header = outgoing(Kind::request, to, type);
    // The reply must come back on this very socket, whatever the actor context says.
    header.from_endpoint.clear();
    header.corr = links.next_corr();
    header.deadline_us = to_wire_deadline(deadline);
    if (link.send(encode_header(header), std::move(payload))) {
        // On the lane: the answer comes back on it (LaneListener answers where asked).
        std::string head, body;
        while (true) {
            auto got = link.await_lane(head, body, deadline);
            if (got == Link::LaneWait::timeout) {
                throw TimeoutError("no reply from actor '" + to.name() + "' to " +
                                   std::string(type) + " within the timeout");
            }
            if (got == Link::LaneWait::closed) {
                if (link.pidfd < 0 || pidfd_ended(link.pidfd)) throw_down(links, to, link.pid);
                throw ActorDownError("actor '" + to.name() +
                                     "' cannot answer: its node closed the connection");
            }
            auto reply = decode_header(head);
            if (!reply || reply->corr != header.corr) continue;  // a timed-out request's
            link.unsettled = false;
            if (reply->kind == Kind::reply) return body;
            auto [kind, message, stack] =
                unpack<std::tuple<std::string, std::string, std::string>>(body);
            throw_error(kind, message, stack);
        }
    }

    zmq::pollitem_t items[2] = {{static_cast<void*>(link.socket), 0, ZMQ_POLLIN, 0},
                                {nullptr, link.pidfd, ZMQ_POLLIN, 0}};
    const int count = link.pidfd >= 0 ? 2 : 1;
    while (true) {
        zmq::poll(items, count, std::chrono::milliseconds(poll_timeout_ms(deadline)));
        if ((items[0].revents & ZMQ_POLLIN) != 0) {
            zmq::message_t head, body;
            if (!link.socket.recv(head, zmq::recv_flags::dontwait)) continue;
            bool complete = head.more() && link.socket.recv(body, zmq::recv_flags::dontwait);
            while (body.more()) {  // skip anything beyond the one payload frame
                zmq::message_t extra;
                if (!link.socket.recv(extra, zmq::recv_flags::dontwait)) break;
                if (!extra.more()) break;
            }
            auto reply = complete ? decode_header(head.to_string_view()) : std::nullopt;
            if (!reply || reply->corr != header.corr)
                continue;            // stale reply of a timed-out request
            link.unsettled = false;  // the peer has read everything this link sent before
            link.zmq_answered();
            if (reply->kind == Kind::reply) return body.to_string();
            auto error = unpack_error(body.to_string_view());
            throw_error(error.kind, error.message, error.stack);
        }
        if (count == 2 && (items[1].revents & POLLIN) != 0) throw_down(links, to, link.pid);
        if (deadline && Clock::now() >= *deadline) {
            throw TimeoutError("no reply from actor '" + to.name() + "' to " + std::string(type) +
                               " within the timeout");
        }
    }
}

void flush_this_thread() {
    LinkCache::for_this_thread().flush_all();
}

ActorRef host_actor(std::unique_ptr<Actor> actor, std::string name) {
    auto& node = Node::get();
    ActorRef ref;
    node.run_sync([&] { ref = node.host(std::move(actor), std::move(name)); });
    return ref;
}

}  // namespace mpact::detail

namespace mpact {

void flush() {
    detail::flush_this_thread();
}

pid_t ActorRef::pid() const noexcept {
    return detail::pid_of_endpoint(endpoint_);
}

bool ActorRef::stop(Duration timeout) const {
    try {
        detail::request_message(*this, detail::kStopType, pack(msgpack::type::nil_t{}),
                                deadline_after(timeout));
        return true;
    } catch (const ActorDownError&) {
        return true;
    } catch (const TimeoutError&) {
        return false;
    }
}

bool ActorRef::wait_ready(Duration timeout) const {
    // A readiness poll: the actor may not be registered yet in a process that is starting.
    auto deadline = deadline_after(timeout);
    Duration pause = std::chrono::microseconds(200);
    while (true) {
        try {
            detail::request_message(*this, detail::kPingType, pack(msgpack::type::nil_t{}),
                                    deadline);
            return true;
        } catch (const TimeoutError&) {
            return false;
        } catch (const ActorDownError&) {
            auto p = pid();
            if (p != 0 && p != ::getpid() && !detail::process_running(p)) return false;
        }
        if (Clock::now() + pause >= deadline) return false;
        std::this_thread::sleep_for(pause);
        pause = std::min<Duration>(pause * 2, std::chrono::milliseconds(20));
    }
}

}  // namespace mpact
