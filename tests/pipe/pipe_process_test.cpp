// Connections handed to child processes, under every start method: order, EOF after close,
// EOF when the peer is SIGKILLed, big messages, and the spin budget.
#include <mpact/errors.hpp>
#include <mpact/pipe.hpp>
#include <mpact/process.hpp>
#include <mpact/wait.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

// Forwards every message of `in` to `out` until EOF, then a count of what it forwarded.
void relay(mpact::Connection in, mpact::Connection out) {
    int count = 0;
    while (true) {
        std::string s;
        try {
            s = in.recv<std::string>();
        } catch (const mpact::EOFError&) {
            break;
        }
        out.send(s);
        ++count;
    }
    out.send(std::string("count ") + std::to_string(count));
    out.close();
}

// Sends its pid and 100 numbers, says so on `ready`, then waits for a message that never
// comes.
void send_then_block(mpact::Connection c, mpact::Connection ready) {
    c.send(static_cast<int>(::getpid()));
    for (int i = 0; i < 100; ++i) c.send(i);
    ready.send(true);
    static_cast<void>(c.recv<int>());
}

// Echoes until EOF.
void echo(mpact::Connection c) {
    try {
        while (true) c.send_bytes(c.recv_bytes());
    } catch (const mpact::EOFError&) {
    }
}

// Reports the spin budget it received (in ns), then echoes ints until EOF.
void echo_spin(mpact::Connection c) {
    c.send(static_cast<std::int64_t>(c.spin().count()));
    try {
        while (true) c.send(c.recv<int>());
    } catch (const mpact::EOFError&) {
    }
}

}  // namespace
MPACT_TASK(relay);
MPACT_TASK(send_then_block);
MPACT_TASK(echo);
MPACT_TASK(echo_spin);

namespace {
const mpact::StartMethod kMethods[] = {mpact::StartMethod::fork, mpact::StartMethod::spawn,
                                       mpact::StartMethod::forkserver};

void join_or_kill(mpact::Process& p) {
    if (!p.join(60s)) {
        p.kill();
        p.join();
        FAIL("child did not end within 60 s");
    }
}
}  // namespace

TEST_CASE("a child relays every message in order and the parent sees EOF after the last one" *
          doctest::timeout(240)) {
    for (auto method : kMethods) {
        CAPTURE(mpact::to_string(method));
        auto [in_r, in_w] = mpact::pipe({.duplex = false});
        auto [out_r, out_w] = mpact::pipe({.duplex = false});
        mpact::Process p({.start_method = method}, relay, in_r, out_w);
        p.start();
        in_r.close();  // the child's ends: our copies only (Python's idiom)
        out_w.close();
        constexpr int n = 2000;
        std::thread writer([w = in_w]() mutable {  // the pipes hold only a few hundred messages
            for (int i = 0; i < n; ++i) w.send(std::to_string(i));
            w.send(std::string(1 << 20, 'q'));
            w.close();
        });
        in_w = mpact::Connection{};  // the writer's copy is the last one here
        for (int i = 0; i < n; ++i) {
            auto got = out_r.recv<std::string>(60s);
            if (got != std::to_string(i)) {
                writer.detach();
                REQUIRE(got == std::to_string(i));
            }
        }
        CHECK(out_r.recv<std::string>(60s) == std::string(1 << 20, 'q'));
        CHECK(out_r.recv<std::string>(60s) == "count " + std::to_string(n + 1));
        CHECK_THROWS_AS(static_cast<void>(out_r.recv<std::string>(60s)), mpact::EOFError);
        writer.join();
        join_or_kill(p);
        CHECK(p.exitcode() == 0);
    }
}

TEST_CASE("recv raises EOFError once a SIGKILLed peer's messages are all received" *
          doctest::timeout(240)) {
    for (auto method : kMethods) {
        CAPTURE(mpact::to_string(method));
        auto [here, there] = mpact::pipe();
        auto [ready_r, ready_w] = mpact::pipe({.duplex = false});
        mpact::Process p({.start_method = method}, send_then_block, there, ready_w);
        p.start();
        there.close();
        ready_w.close();
        REQUIRE(ready_r.recv<bool>(60s));
        p.kill();  // with 101 messages still unread
        REQUIRE(p.join(60s));
        CHECK(p.exitcode() == -9);
        CHECK(here.recv<int>(60s) == *p.pid());
        for (int i = 0; i < 100; ++i) REQUIRE(here.recv<int>(60s) == i);
        CHECK_THROWS_AS(static_cast<void>(here.recv<int>(60s)), mpact::EOFError);
        CHECK_THROWS_AS(static_cast<void>(here.recv<int>(60s)), mpact::EOFError);
    }
}

TEST_CASE("a child echoes round trips and a 64 MiB message, and sentinels work across processes" *
          doctest::timeout(240)) {
    for (auto method : kMethods) {
        CAPTURE(mpact::to_string(method));
        auto [here, there] = mpact::pipe();
        mpact::Process p({.start_method = method}, echo, there);
        p.start();
        there.close();
        for (int i = 0; i < 100; ++i) {
            here.send_bytes(std::to_string(i));
            REQUIRE(mpact::wait({here.sentinel()}, 60s).size() == 1);
            REQUIRE(here.recv_bytes() == std::to_string(i));
        }
        if (method == mpact::get_start_method()) {
            std::string big(std::size_t{64} << 20, 'b');
            big[12345] = 'c';
            here.send_bytes(big);
            CHECK(here.recv_bytes(60s) == big);
        }
        here.close();  // the child's recv ends with EOFError, and the child with it
        join_or_kill(p);
        CHECK(p.exitcode() == 0);
    }
}

TEST_CASE("several Connections reach one child, and only the handed descriptors do" *
          doctest::timeout(120)) {
    // Under forkserver, the child gets exactly the two handed ends: closing ours makes the
    // child's `in` see EOF from the kernel even though we never sent on in_w.
    auto [in_r, in_w] = mpact::pipe({.duplex = false});
    auto [out_r, out_w] = mpact::pipe({.duplex = false});
    mpact::Process p({.start_method = mpact::StartMethod::forkserver}, relay, in_r, out_w);
    p.start();
    in_r.close();
    out_w.close();
    in_w.close();
    CHECK(out_r.recv<std::string>(60s) == "count 0");
    CHECK_THROWS_AS(static_cast<void>(out_r.recv<std::string>(60s)), mpact::EOFError);
    join_or_kill(p);
    CHECK(p.exitcode() == 0);
}

TEST_CASE("a Connection keeps its spin budget in a child, echoes in order, and ends on EOF" *
          doctest::timeout(240)) {
    // 35 us and 0 (never spin), not the default: the child must get the parent's choice.
    for (auto [method, budget] : {std::pair{mpact::StartMethod::fork, mpact::Duration(35us)},
                                  std::pair{mpact::StartMethod::spawn, mpact::Duration(0us)},
                                  std::pair{mpact::StartMethod::forkserver, mpact::Duration(35us)},
                                  std::pair{mpact::StartMethod::fork, mpact::Duration(0us)}}) {
        CAPTURE(mpact::to_string(method));
        CAPTURE(budget.count());
        auto [here, there] = mpact::pipe({.duplex = true, .spin = budget});
        mpact::Process p({.start_method = method}, echo_spin, there);
        p.start();
        there.close();
        CHECK(here.recv<std::int64_t>(60s) == budget.count());
        for (int i = 0; i < 2000; ++i) {
            here.send(i);
            REQUIRE(here.recv<int>(60s) == i);
        }
        for (int i = 0; i < 100; ++i) here.send(i);  // queued before the child reads them
        for (int i = 0; i < 100; ++i) REQUIRE(here.recv<int>(60s) == i);
        here.close();  // the spinning child's recv ends with EOFError, and the child with it
        join_or_kill(p);
        CHECK(p.exitcode() == 0);
    }
}
