// tcp:// nodes (issue #16 points 1-3): programs started separately, each its own session,
// sharing an authkey by file; CURVE refuses whoever lacks it before anything is delivered.
#include <mpact/actor_process.hpp>
#include <mpact/errors.hpp>
#include <mpact/names.hpp>
#include <mpact/node.hpp>

#include "net/curve_keys.hpp"
#include "net_messages.hpp"
#include "net_program.hpp"
#include "support/support.hpp"
#include "wire/envelope.hpp"

#include <doctest/doctest.h>
#include <zmq.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <regex>

using namespace std::chrono_literals;
using net_test::Program;
using net_test::TempDir;

MPACT_ACTOR(net_test::Echoer);

namespace {

const std::string kKey = "the session key both hosts were given";

struct Stats {
    unsigned long refused_auth = 0, received = 0, delivered = 0, echoed = 0;
};

// A serving net_peer on 127.0.0.1, port 0; its address.
struct Server {
    Program program;
    std::string address;
    explicit Server(const std::map<std::string, std::string>& env)
        : program(NET_PEER_PATH, {"serve"}, env) {
        auto line = program.line();
        REQUIRE(line);
        REQUIRE_MESSAGE(line->starts_with("address tcp://127.0.0.1:"), *line);
        address = line->substr(8);
    }
    Stats stats() {
        program.write_line("stats");
        auto line = program.line();
        REQUIRE(line);
        Stats s;
        REQUIRE(std::sscanf(line->c_str(),
                            "stats refused_auth=%lu received=%lu delivered=%lu echoed=%lu",
                            &s.refused_auth, &s.received, &s.delivered, &s.echoed) == 4);
        return s;
    }
    // Waits until the server has refused at least one handshake.
    Stats refused() {
        Stats s;
        CHECK(mpact::test::eventually([&] {
            s = stats();
            return s.refused_auth > 0;
        }));
        return s;
    }
};

std::map<std::string, std::string> serving(const std::string& key_file) {
    return {{"MPACT_LISTEN", "tcp://127.0.0.1:0"}, {"MPACT_AUTHKEY_FILE", key_file}};
}

// A well-formed request envelope to "echo"'s actor... by a raw DEALER that is not mpact.
std::string echo_request_header(const std::string& to) {
    mpact::detail::Header h;
    h.kind = mpact::detail::Kind::request;
    h.to = to;
    h.corr = 7;
    h.type = std::string(mpact::type_name<net_test::Echo>());
    return mpact::detail::encode_header(h);
}

// The name the server's echo actor lives under (whereis from a peer with the key).
std::string echo_actor_name(const std::string& address, const std::string& key_file) {
    Program client(NET_PEER_PATH, {"client", address}, {{"MPACT_AUTHKEY_FILE", key_file}});
    auto found = client.line();
    REQUIRE(found);
    REQUIRE_MESSAGE(found->starts_with("found "), *found);
    CHECK(client.wait() == 0);
    return found->substr(found->rfind(' ') + 1);
}

// CURVE keys for a raw DEALER (Z85): the server's public key and the client's pair.
struct RawKeys {
    std::string server, client_public, client_secret;
};

// Sends one request to `actor` by a raw ZeroMQ DEALER (CURVE with `keys`, else plaintext) and
// waits up to `patience` for an answer; the answer's payload, if any.
std::optional<std::string> raw_request(const std::string& address, const std::string& actor,
                                       const std::optional<RawKeys>& keys,
                                       std::chrono::milliseconds patience) {
    zmq::context_t context;
    zmq::socket_t dealer(context, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    if (keys) {
        dealer.set(zmq::sockopt::curve_serverkey, keys->server);
        dealer.set(zmq::sockopt::curve_publickey, keys->client_public);
        dealer.set(zmq::sockopt::curve_secretkey, keys->client_secret);
    }
    dealer.connect(address);
    auto header = echo_request_header(actor);
    auto payload = mpact::pack(net_test::Echo{"plain"});
    dealer.send(zmq::buffer(header), zmq::send_flags::sndmore);
    dealer.send(zmq::buffer(payload), zmq::send_flags::none);
    zmq::pollitem_t item{dealer.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, patience) <= 0) return std::nullopt;
    zmq::message_t head, body;
    if (!dealer.recv(head) || !head.more() || !dealer.recv(body)) return std::nullopt;
    return body.to_string();
}

// A serving peer whose echo actor has answered one client with the key (so its name is known).
struct Served {
    TempDir dir;
    std::string key = dir.file("key", kKey, 0600);
    Server server{serving(key)};
    std::string actor = echo_actor_name(server.address, key);
    Stats before = server.stats();

    // A raw request with `keys` is not answered, its handshake is refused and counted, and
    // nothing of it reached the mailbox.
    void refuses(const std::optional<RawKeys>& keys) {
        CHECK_FALSE(raw_request(server.address, actor, keys, 1500ms));
        auto s = server.refused();
        CHECK(s.received == before.received);
        CHECK(s.echoed == before.echoed);
    }
};

}  // namespace

TEST_CASE("a separately started program finds an actor by name over CURVE tcp and asks it") {
    TempDir dir;
    auto key = dir.file("key", kKey, 0600);
    Server server(serving(key));
    Program client(NET_PEER_PATH, {"client", server.address}, {{"MPACT_AUTHKEY_FILE", key}});
    auto found = client.line();
    REQUIRE(found);
    // An actor of the answering node comes back at the address asked.
    CHECK(found->starts_with("found " + server.address + " actor-"));
    CHECK(client.line() == "reply over tcp back");
    CHECK(client.wait() == 0);
    auto s = server.stats();
    CHECK(s.echoed == 1);
    CHECK(s.refused_auth == 0);
}

TEST_CASE("whereis of a name nobody registered is nullopt, and the ref works from here") {
    TempDir dir;
    auto key = dir.file("key", kKey, 0600);
    Server server(serving(key));
    // This test's process joins with the same key: init before its first mpact call.
    mpact::init(0, nullptr, {.authkey = kKey});
    CHECK_FALSE(mpact::whereis(server.address, "nobody", 10s));
    auto echo = mpact::whereis(server.address, "echo", 10s);
    REQUIRE(echo);
    CHECK(echo->endpoint() == server.address);
    CHECK(echo->request<std::string>(net_test::Echo{"again"}, 10s) == "again back");
    CHECK(server.stats().echoed == 1);
}

TEST_CASE("a program with another authkey is refused: nothing delivered, refused_auth counted") {
    TempDir dir;
    auto key = dir.file("key", kKey, 0600);
    auto wrong = dir.file("wrong", "not the session key", 0600);
    Server server(serving(key));
    Program client(NET_PEER_PATH, {"client", server.address}, {{"MPACT_AUTHKEY_FILE", wrong}});
    auto said = client.line(30s);
    REQUIRE(said);
    CHECK_MESSAGE(said->starts_with("timeout"), *said);
    CHECK(client.wait() == 3);
    auto s = server.refused();
    CHECK(s.received == 0);
    CHECK(s.delivered == 0);
    CHECK(s.echoed == 0);
}

TEST_CASE("a plaintext DEALER sending a well-formed envelope to the CURVE port delivers nothing") {
    Served served;
    served.refuses(std::nullopt);
}

TEST_CASE("a CURVE peer that knows the server key but not the client key is refused by ZAP") {
    Served served;
    char rogue_public[41], rogue_secret[41];
    REQUIRE(zmq_curve_keypair(rogue_public, rogue_secret) == 0);
    served.refuses(RawKeys{mpact::detail::derive_curve_keys(kKey).server_public,
                           std::string(rogue_public, 40), std::string(rogue_secret, 40)});
}

TEST_CASE("a raw CURVE DEALER with the keys derived from the authkey is answered") {
    // The positive control of the two refusals above: the same envelope, the right keys.
    Served served;
    auto keys = mpact::detail::derive_curve_keys(kKey);
    auto reply =
        raw_request(served.server.address, served.actor,
                    RawKeys{keys.server_public, keys.client_public, keys.client_secret}, 20000ms);
    REQUIRE(reply);
    CHECK(mpact::unpack<std::string>(*reply) == "plain back");
    CHECK(served.server.stats().refused_auth == 0);
}

TEST_CASE("with insecure_plaintext_tcp the plaintext DEALER is answered (and nobody is refused)") {
    TempDir dir;
    auto key = dir.file("key", kKey, 0600);
    auto env = serving(key);
    env["MPACT_INSECURE_PLAINTEXT_TCP"] = "1";
    Server server(env);
    Program client(NET_PEER_PATH, {"client", server.address},
                   {{"MPACT_AUTHKEY_FILE", key}, {"MPACT_INSECURE_PLAINTEXT_TCP", "1"}});
    auto found = client.line();
    REQUIRE(found);
    auto actor = found->substr(found->rfind(' ') + 1);
    CHECK(client.wait() == 0);
    auto reply = raw_request(server.address, actor, std::nullopt, 20000ms);
    REQUIRE(reply);
    CHECK(mpact::unpack<std::string>(*reply) == "plain back");
}

TEST_CASE("an authkey file others can read, or a symlink, is a typed error at init") {
    TempDir dir;
    auto open_key = dir.file("key", kKey, 0644);
    Program loose(NET_PEER_PATH, {"init"}, {{"MPACT_AUTHKEY_FILE", open_key}});
    auto said = loose.rest();
    CHECK(loose.wait() == 4);
    CHECK_MESSAGE(said.find("error AuthenticationError:") == 0, said);
    CHECK_MESSAGE(said.find("mode 0644") != std::string::npos, said);
    CHECK_MESSAGE(said.find("chmod 600") != std::string::npos, said);

    auto good = dir.file("good", kKey, 0600);
    auto link = dir.path() + "/link";
    REQUIRE(::symlink(good.c_str(), link.c_str()) == 0);
    Program linked(NET_PEER_PATH, {"init"}, {{"MPACT_AUTHKEY_FILE", link}});
    said = linked.rest();
    CHECK(linked.wait() == 4);
    CHECK_MESSAGE(said.find("error AuthenticationError:") == 0, said);

    Program fine(NET_PEER_PATH, {"init"}, {{"MPACT_AUTHKEY_FILE", good}});
    CHECK(fine.line()->starts_with("address ipc://"));  // no MPACT_LISTEN: ipc only
    CHECK(fine.wait() == 0);
}

TEST_CASE("a listening node keeps its ipc mailbox and local lane for its own children") {
    mpact::init(0, nullptr, {.listen = "tcp://127.0.0.1:0", .authkey = kKey});
    CHECK(mpact::node_endpoint().starts_with("ipc://"));
    CHECK(std::regex_match(mpact::node_address(), std::regex("tcp://127\\.0\\.0\\.1:[0-9]+")));
    // A child is not the session's root: it does not listen, and reaches its parent by ipc.
    auto [ref, process] = mpact::spawn_process<net_test::Echoer>("echo");
    CHECK(ref.endpoint().starts_with("ipc://"));
    const auto lane_before = mpact::node_stats().lane_sent;
    for (int i = 0; i < 20; ++i) {
        CHECK(ref.request<std::string>(net_test::Echo{"local"}, 10s) == "local back");
    }
    CHECK(mpact::node_stats().lane_sent > lane_before);  // the fast lane, as without tcp
    // ...and this process reaches its own tcp:// address too (CURVE, keys from the authkey).
    auto self = mpact::spawn<net_test::Echoer>();
    mpact::register_name("self", self);
    auto found = mpact::whereis(mpact::node_address(), "self", 10s);
    REQUIRE(found);
    CHECK(found->request<std::string>(net_test::Echo{"loop"}, 10s) == "loop back");
    CHECK(ref.stop(10s));
    CHECK(process.join(10s));
    CHECK(mpact::node_stats().refused_auth == 0);
}

TEST_CASE("register_name refuses a taken or empty name") {
    auto a = mpact::spawn<net_test::Echoer>();
    mpact::register_name("taken", a);
    CHECK_THROWS_AS(mpact::register_name("taken", a), mpact::ValueError);
    CHECK_THROWS_AS(mpact::register_name("", a), mpact::ValueError);
    CHECK(mpact::unregister_name("taken"));
    CHECK_FALSE(mpact::unregister_name("taken"));
    auto again = mpact::whereis(mpact::node_address(), "taken", 10s);
    CHECK_FALSE(again);
}
