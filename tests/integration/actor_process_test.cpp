// Actors across real processes: requests, dead peers, bad input on the wire.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mpact/actor.hpp>
#include <mpact/errors.hpp>
#include <mpact/node.hpp>

#include <zmq.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "support/support.hpp"

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

struct EchoService : mpact::Actor {
    std::vector<mpact::Reply<int>> parked;
    EchoService() {
        handle([](const Echo& e) { return e.text + "!"; });
        handle([](const Stats&) {
            auto s = mpact::node_stats();
            return std::vector<std::uint64_t>{s.received, s.delivered, s.malformed, s.oversized};
        });
        handle([this](const Hang&, mpact::Reply<int> reply) { parked.push_back(std::move(reply)); });
    }
};

// A child process whose whole job is the echo service; returns its pid.
pid_t start_echo_child() {
    return mpact::test::fork_child([] {
        mpact::serve<EchoService>("echo");
        return 0;
    });
}

}  // namespace

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

TEST_CASE("a request to an actor whose process was killed fails within 1 s" * doctest::timeout(60)) {
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
    raw.send(zmq::str_buffer("not msgpack at all"), zmq::send_flags::none);     // 1 frame
    raw.send(zmq::str_buffer("\xc1"), zmq::send_flags::sndmore);                // bad header
    raw.send(zmq::str_buffer("x"), zmq::send_flags::none);
    raw.send(zmq::str_buffer("\x93\x01\x02\x03"), zmq::send_flags::sndmore);    // wrong shape
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
