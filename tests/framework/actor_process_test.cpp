// Actors across real processes: requests, dead peers, bad input on the wire.
#include <mpact/actor.hpp>
#include <mpact/errors.hpp>
#include <mpact/node.hpp>
#include <mpact/process.hpp>
#include <mpact/task.hpp>
#include <mpact/type_name.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>
#include <zmq.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct Echo {
    std::string text;
    MSGPACK_DEFINE(text)
};
struct Stats {
    MSGPACK_DEFINE()
};
struct Hang {
    MSGPACK_DEFINE()
};
struct Note {
    std::string text;
    MSGPACK_DEFINE(text)
};
struct Notes {
    MSGPACK_DEFINE()
};
struct Tick {
    MSGPACK_DEFINE()
};
struct Ticks {
    MSGPACK_DEFINE()
};

struct EchoService : mpact::Actor {
    std::vector<mpact::Reply<int>> parked;
    std::vector<std::string> notes;
    long ticks = 0;
    EchoService() {
        handle([](const Echo& e) { return e.text + "!"; });
        handle([](const Stats&) {
            auto s = mpact::node_stats();
            return std::vector<std::uint64_t>{s.received,  s.delivered,     s.malformed,
                                              s.oversized, s.unknown_actor, s.handler_errors};
        });
        handle([this](const Note& n) { notes.push_back(n.text); });
        handle([this](const Notes&) { return notes; });
        handle([this](const Tick&) { ++ticks; });
        handle([this](const Ticks&) { return ticks; });
        handle(
            [this](const Hang&, mpact::Reply<int> reply) { parked.push_back(std::move(reply)); });
    }
};

// A child process whose whole job is the echo service; returns its pid.
pid_t start_echo_child(std::uint64_t max_message_size = 0) {
    return mpact::test::fork_child([max_message_size] {
        if (max_message_size != 0) mpact::set_max_message_size(max_message_size);
        mpact::serve<EchoService>("echo");
        return 0;
    });
}

// A batch frame (kind 5) as a foreign client would build it: header, then payload.
std::string batch_header() {
    return mpact::pack(
        std::make_tuple(1, 5, std::string(), std::string(), std::string(), 0, 0, std::string()));
}

void send_raw(zmq::socket_t& socket, const std::string& header, const std::string& payload) {
    socket.send(zmq::buffer(header), zmq::send_flags::sndmore);
    socket.send(zmq::buffer(payload), zmq::send_flags::none);
}

// Sends `n` one-way Ticks to `to`, then returns: the process exits right after.
void send_ticks(mpact::ActorRef to, int n) {
    for (int i = 0; i < n; ++i) to.send(Tick{});
}

}  // namespace
MPACT_TASK(send_ticks);

TEST_CASE("an actor in another process answers requests" * doctest::timeout(60)) {
    pid_t pid = start_echo_child();
    mpact::test::ChildGuard guard(pid);
    mpact::ActorRef echo(mpact::node_endpoint(pid), "echo");
    REQUIRE(echo.wait_ready(20s));
    CHECK(echo.request<std::string>(Echo{"hi"}, 10s) == "hi!");
    CHECK(echo.pid() == pid);
    CHECK(echo.stop(10s));
    CHECK(mpact::test::wait_child(pid) == 0);
    guard.release(pid);
}

TEST_CASE("a request to an actor whose process was killed fails within 1 s" *
          doctest::timeout(60)) {
    pid_t pid = start_echo_child();
    mpact::test::ChildGuard guard(pid);
    mpact::ActorRef echo(mpact::node_endpoint(pid), "echo");
    REQUIRE(echo.wait_ready(20s));
    SUBCASE("killed while the request waits") {
        std::thread killer([pid] {
            // Kill once the request is parked in the service (it never replies to Hang).
            mpact::test::eventually([&] {
                mpact::ActorRef probe(mpact::node_endpoint(pid), "echo");
                return probe.request<std::vector<std::uint64_t>>(Stats{}, 5s)[1] >= 2;
            });
            ::kill(pid, SIGKILL);
        });
        auto start = std::chrono::steady_clock::now();
        CHECK_THROWS_AS(echo.request<int>(Hang{}, 30s), mpact::ActorDownError);
        CHECK(std::chrono::steady_clock::now() - start < 10s);
        killer.join();
    }
    SUBCASE("killed before the request is sent") {
        ::kill(pid, SIGKILL);
        REQUIRE(mpact::test::wait_child(pid) != -1);
        auto start = std::chrono::steady_clock::now();
        CHECK_THROWS_AS(static_cast<void>(echo.request<std::string>(Echo{"x"}, 30s)),
                        mpact::ActorDownError);
        CHECK(std::chrono::steady_clock::now() - start < 1s);
    }
    auto monitor = echo.monitor();
    auto down = monitor.wait(5s);
    REQUIRE(down.has_value());
    CHECK(down->reason.find("ended") != std::string::npos);
}

TEST_CASE("malformed and oversized frames are dropped, counted, and the node goes on" *
          doctest::timeout(60)) {
    pid_t pid = start_echo_child();
    mpact::test::ChildGuard guard(pid);
    mpact::ActorRef echo(mpact::node_endpoint(pid), "echo");
    REQUIRE(echo.wait_ready(20s));
    auto before = echo.request<std::vector<std::uint64_t>>(Stats{}, 10s);

    zmq::context_t ctx;
    zmq::socket_t raw(ctx, zmq::socket_type::dealer);
    raw.set(zmq::sockopt::linger, 1000);
    raw.connect(mpact::node_endpoint(pid));
    raw.send(zmq::str_buffer("not msgpack at all"), zmq::send_flags::none);  // 1 frame
    raw.send(zmq::str_buffer("\xc1"), zmq::send_flags::sndmore);             // bad header
    raw.send(zmq::str_buffer("x"), zmq::send_flags::none);
    raw.send(zmq::str_buffer("\x93\x01\x02\x03"), zmq::send_flags::sndmore);  // wrong shape
    raw.send(zmq::str_buffer(""), zmq::send_flags::none);

    // Everything sent before this request was read before it (one connection, FIFO).
    CHECK(echo.request<std::string>(Echo{"still here"}, 10s) == "still here!");
    mpact::test::eventually([&] {
        auto now = echo.request<std::vector<std::uint64_t>>(Stats{}, 10s);
        return now[2] >= before[2] + 3;
    });
    auto after = echo.request<std::vector<std::uint64_t>>(Stats{}, 10s);
    CHECK(after[2] == before[2] + 3);
    CHECK(echo.stop(10s));
    CHECK(mpact::test::wait_child(pid) == 0);
    guard.release(pid);
}

TEST_CASE("malformed and oversized batch frames are dropped, counted, and the node goes on" *
          doctest::timeout(60)) {
    pid_t pid = start_echo_child(64 * 1024);
    mpact::test::ChildGuard guard(pid);
    mpact::ActorRef echo(mpact::node_endpoint(pid), "echo");
    REQUIRE(echo.wait_ready(20s));
    auto before = echo.request<std::vector<std::uint64_t>>(Stats{}, 10s);

    using Group = std::tuple<std::string, std::string, std::string, std::vector<Note>>;
    const std::string note_type(mpact::type_name<Note>());
    zmq::context_t ctx;
    zmq::socket_t raw(ctx, zmq::socket_type::dealer);
    raw.set(zmq::sockopt::linger, 1000);
    raw.connect(mpact::node_endpoint(pid));
    const auto header = batch_header();
    send_raw(raw, header, "\xc1");                              // not msgpack
    send_raw(raw, header, mpact::pack(std::make_tuple(1, 2)));  // not groups
    send_raw(raw, header,
             mpact::pack(std::vector<std::tuple<std::string, std::string, std::string>>{
                 {"echo", "", note_type}}));  // group of 3
    send_raw(raw, header,
             mpact::pack(std::vector<std::tuple<std::string, std::string, std::string, int>>{
                 {"echo", "", note_type, 1}}));  // no message list
    send_raw(raw, header,
             mpact::pack(std::vector<Group>{
                 {"echo", "", note_type, {Note{std::string(100 * 1024, 'x')}}}}));  // oversized
    // A good batch: two notes, one to nobody, and one message that is no Note.
    send_raw(raw, header,
             mpact::pack(std::vector<Group>{{"echo", "", note_type, {Note{"a"}, Note{"b"}}},
                                            {"nobody", "", note_type, {Note{"c"}}}}));
    send_raw(raw, header,
             mpact::pack(
                 std::vector<std::tuple<std::string, std::string, std::string, std::vector<int>>>{
                     {"echo", "", note_type, {7}}}));
    send_raw(raw, header, mpact::pack(std::vector<Group>{{"echo", "", note_type, {Note{"d"}}}}));

    // The raw socket is another connection: wait for its last frame, read after the others.
    mpact::test::eventually(
        [&] { return echo.request<std::vector<std::string>>(Notes{}, 10s).size() >= 3; });
    auto notes = echo.request<std::vector<std::string>>(Notes{}, 10s);
    CHECK(notes == std::vector<std::string>{"a", "b", "d"});
    auto after = echo.request<std::vector<std::uint64_t>>(Stats{}, 10s);
    CHECK(after[2] == before[2] + 4);  // malformed
    CHECK(after[3] == before[3] + 1);  // oversized
    CHECK(after[4] == before[4] + 1);  // unknown actor
    CHECK(after[5] == before[5] + 1);  // a message its handler could not decode
    CHECK(echo.request<std::string>(Echo{"still here"}, 10s) == "still here!");
    CHECK(echo.stop(10s));
    CHECK(mpact::test::wait_child(pid) == 0);
    guard.release(pid);
}

TEST_CASE("every one-way message a child sends right before it exits arrives" *
          doctest::timeout(120)) {
    // Design §9.1: closing a socket right after sending can lose messages; a normal exit
    // must still deliver what the process sent (its last batch is flushed and confirmed).
    auto counter = mpact::spawn<EchoService>();
    constexpr int kCount = 100000;
    long expected = 0;
    for (auto method : {mpact::StartMethod::fork, mpact::StartMethod::forkserver}) {
        for (int round = 0; round < 4; ++round) {
            mpact::Process producer({.start_method = method}, send_ticks, counter, kCount);
            producer.start();
            REQUIRE(producer.join(60s));
            CHECK(producer.exitcode() == 0);
            expected += kCount;
            CHECK(counter.request<long>(Ticks{}, 10s) == expected);
        }
    }
}
