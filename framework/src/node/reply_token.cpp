#include <mpact/internal/actor_host.hpp>
#include <mpact/internal/demangle.hpp>
#include <mpact/internal/error_payload.hpp>
#include <mpact/internal/node.hpp>

#include "node/mailbox.hpp"
#include "transport/link.hpp"
#include "wire/envelope.hpp"

#include <msgpack.hpp>

#include <tuple>

namespace mpact::detail {

namespace {

// Answers one request exactly once; an unanswered token fails the request when dropped, so
// a requester never waits on an actor that forgot it.
class RouteReply final : public ReplyToken {
  public:
    RouteReply(Node& node, std::string identity, const Header& request)
        : node_(node),
          identity_(std::move(identity)),
          from_endpoint_(request.from_endpoint),
          corr_(request.corr),
          deadline_us_(request.deadline_us) {}

    ~RouteReply() override {
        if (!done_) fail("ActorDownError", "the actor ended without replying");
    }

    void reply(std::string payload) override { send(Kind::reply, std::move(payload)); }

    void fail(std::string_view kind, std::string_view message) override {
        send(Kind::error, pack_error(kind, message));
    }

    bool expired() const override { return wire_deadline_passed(deadline_us_); }

  private:
    void send(Kind kind, std::string payload) {
        if (done_) return;
        done_ = true;
        Header h;
        h.kind = kind;
        h.corr = corr_;
        auto header = encode_header(h);
        if (!node_.on_io_thread()) {
            // Reply handed to another thread by mistake: hop back to the actor's thread.
            node_.post([this_header = std::move(header), payload = std::move(payload),
                        identity = identity_, from = from_endpoint_, &node = node_]() mutable {
                route(node, identity, from, this_header, std::move(payload));
            });
            return;
        }
        route(node_, identity_, from_endpoint_, header, std::move(payload));
    }

    static void route(Node& node, const std::string& identity, const std::string& from,
                      const std::string& header, std::string payload) {
        if (from.empty()) {
            node.mailbox().send_routed(identity, header, std::move(payload));
        } else {
            try {
                auto& links = LinkCache::for_this_thread();
                links.flush_all();  // the reply does not overtake the actor's earlier sends
                links.get(from).send(header, std::move(payload));
            } catch (const zmq::error_t&) {
            } catch (const Error&) {
                // This process is exiting (its node has shut down while an ending actor told
                // its monitors): the reply is lost, and the requester sees the process end.
            }
        }
    }

    Node& node_;
    std::string identity_;
    std::string from_endpoint_;
    std::uint64_t corr_;
    std::int64_t deadline_us_;
    bool done_ = false;
};

}  // namespace

std::shared_ptr<ReplyToken> make_reply_token(Node& node, const std::string& identity,
                                             const Header& request) {
    return std::make_shared<RouteReply>(node, identity, request);
}

void reply_error(Node& node, const std::string& identity, const Header& request,
                 std::string_view kind, std::string_view message) {
    make_reply_token(node, identity, request)->fail(kind, message);
}

void fail_delivery(const Delivery& d, const std::exception& e) noexcept {
    try {
        if (auto* node = Node::peek()) ++node->counters().handler_errors;
        if (!d.reply) return;
        if (const auto* error = dynamic_cast<const Error*>(&e)) {
            d.reply->fail(error->kind(), error->what());
        } else {
            d.reply->fail(demangled_type_name(e), e.what());
        }
    } catch (...) {
    }
}

}  // namespace mpact::detail

namespace mpact::detail {
void fail_delivery_unknown(const Delivery& d) noexcept {
    try {
        if (auto* node = Node::peek()) ++node->counters().handler_errors;
        if (d.reply)
            d.reply->fail(kNonStdExceptionKind,
                          "a handler threw something that is not a std::exception");
    } catch (...) {
    }
}
}  // namespace mpact::detail
