// The node's name table and its "mpact.whereis" lookup (docs/protocol.md "Names").
#include "node/names.hpp"

#include <mpact/errors.hpp>
#include <mpact/internal/actor_host.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/names.hpp>

#include "wire/envelope.hpp"

#include <map>
#include <mutex>
#include <tuple>

namespace mpact::detail {

namespace {

struct Names {
    std::mutex mutex;
    std::map<std::string, ActorRef, std::less<>> refs;
};

// Never destroyed: the I/O thread may answer a lookup while the program exits. A forked
// child keeps its parent's names, as its own node answers at its own endpoint.
Names& names() {
    static auto* table = new Names();
    return *table;
}

}  // namespace

void answer_whereis(Node& node, const std::string& identity, const Header& request,
                    std::string_view payload) {
    std::string name;
    try {
        name = unpack<std::string>(payload);
    } catch (const Error&) {
        reply_error(node, identity, request, "ProtocolError",
                    "mpact.whereis takes the name as a msgpack string");
        return;
    }
    std::optional<ActorRef> found;
    {
        auto& table = names();
        std::lock_guard lock(table.mutex);
        if (auto it = table.refs.find(name); it != table.refs.end()) found = it->second;
    }
    std::string answer;
    if (!found) {
        answer = pack(msgpack::type::nil_t{});
    } else {
        // An actor of this node is "at the address you asked" (""): the asker reached this
        // node by an address this node may not know itself (a NAT, a wildcard bind).
        const bool here = found->endpoint() == node.endpoint();
        answer = pack(std::make_tuple(here ? std::string() : found->endpoint(), found->name()));
    }
    make_reply_token(node, identity, request)->reply(std::move(answer));
}

}  // namespace mpact::detail

namespace mpact {

void register_name(const std::string& name, const ActorRef& ref) {
    if (name.empty()) throw ValueError("register_name: the name is empty");
    if (!ref.valid()) throw ValueError("register_name('" + name + "'): the ActorRef is empty");
    auto& table = detail::names();
    std::lock_guard lock(table.mutex);
    if (!table.refs.try_emplace(name, ref).second) {
        throw ValueError("register_name: '" + name +
                         "' is registered already (unregister_name first)");
    }
}

bool unregister_name(const std::string& name) {
    auto& table = detail::names();
    std::lock_guard lock(table.mutex);
    return table.refs.erase(name) == 1;
}

std::optional<ActorRef> whereis(const std::string& address, const std::string& name,
                                Duration timeout) {
    if (address.empty()) throw ValueError("whereis: the address is empty");
    // A node-level request: to = "" (no actor), type mpact.whereis.
    auto reply = detail::request_message(ActorRef(address, std::string()), detail::kWhereisType,
                                         pack(name), deadline_after(timeout));
    auto found = unpack<std::optional<std::tuple<std::string, std::string>>>(reply);
    if (!found) return std::nullopt;
    auto& [endpoint, actor] = *found;
    return ActorRef(endpoint.empty() ? address : endpoint, actor);
}

}  // namespace mpact
