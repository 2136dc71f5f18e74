// A Connection passed to a Process is handed over: start() closes the parent's copy, so the
// child's death reaches the other end as EOFError (issue #12, fault 9), under every start
// method; mpact::keep opts out.
#include <mpact/errors.hpp>
#include <mpact/pipe.hpp>
#include <mpact/process.hpp>

#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

namespace {

// Sends its pid, then echoes ints until EOF (or until it is killed).
void echo_ints(mpact::Connection c) {
    c.send(static_cast<int>(::getpid()));
    try {
        while (true) c.send(c.recv<int>());
    } catch (const mpact::EOFError&) {
    }
}

}  // namespace
MPACT_TASK(echo_ints);

namespace {
const mpact::StartMethod kMethods[] = {mpact::StartMethod::fork, mpact::StartMethod::spawn,
                                       mpact::StartMethod::forkserver};

// The child answers one round trip, then is SIGKILLed and reaped.
void round_trip_then_kill(mpact::Process& p, mpact::Connection& here) {
    REQUIRE(here.recv<int>(60s) == *p.pid());
    here.send(41);
    REQUIRE(here.recv<int>(60s) == 41);
    p.kill();
    REQUIRE(p.join(60s));
    CHECK(p.exitcode() == -9);
}
}  // namespace

TEST_CASE("the child's death reaches the other end as EOFError: start() closed our copy" *
          doctest::timeout(240)) {
    for (auto method : kMethods) {
        CAPTURE(mpact::to_string(method));
        auto [here, there] = mpact::pipe();
        mpact::Process p({.start_method = method}, echo_ints, there);
        CHECK_FALSE(there.closed());  // nothing is handed over before start()
        p.start();
        CHECK(there.closed());
        round_trip_then_kill(p, here);
        // Without the handover our copy of `there` kept the stream open: this timed out.
        CHECK_THROWS_AS(static_cast<void>(here.recv<int>(30s)), mpact::EOFError);
    }
}

TEST_CASE("a handed-over Connection refuses use in the parent with a ValueError that says why" *
          doctest::timeout(120)) {
    auto [here, there] = mpact::pipe();
    auto copy = there;  // every copy in this process is closed, not just the one passed
    mpact::Process p({.start_method = mpact::StartMethod::forkserver}, echo_ints, there);
    p.start();
    CHECK(copy.closed());
    try {
        copy.send(1);
        FAIL("send on a handed-over Connection did not throw");
    } catch (const mpact::ValueError& e) {
        const std::string what = e.what();
        CHECK(what.find("handed over to " + p.name()) != std::string::npos);
        CHECK(what.find(std::to_string(*p.pid())) != std::string::npos);
        CHECK(what.find("mpact::keep") != std::string::npos);
    }
    CHECK_THROWS_AS(static_cast<void>(there.recv<int>(1s)), mpact::ValueError);
    CHECK_THROWS_AS(static_cast<void>(there.poll()), mpact::ValueError);
    CHECK_THROWS_AS(static_cast<void>(there.fileno()), mpact::ValueError);
    // Passing it to another Process now is refused the same way.
    CHECK_THROWS_AS(mpact::Process({.start_method = mpact::StartMethod::spawn}, echo_ints, there),
                    mpact::ValueError);
    there.close();  // Python's idiom still works: a no-op
    round_trip_then_kill(p, here);
    CHECK_THROWS_AS(static_cast<void>(here.recv<int>(30s)), mpact::EOFError);
}

TEST_CASE("a Connection passed to a fork-only lambda target is handed over too" *
          doctest::timeout(120)) {
    auto [here, there] = mpact::pipe();
    mpact::Process p(
        {.start_method = mpact::StartMethod::fork},
        [](mpact::Connection c) { echo_ints(std::move(c)); }, there);
    p.start();
    CHECK(there.closed());
    round_trip_then_kill(p, here);
    CHECK_THROWS_AS(static_cast<void>(here.recv<int>(30s)), mpact::EOFError);
}

TEST_CASE("mpact::keep leaves the parent's copy open until the parent closes it" *
          doctest::timeout(240)) {
    for (auto method : kMethods) {
        CAPTURE(mpact::to_string(method));
        auto [here, there] = mpact::pipe();
        mpact::Process p({.start_method = method}, echo_ints, mpact::keep(there));
        p.start();
        REQUIRE_FALSE(there.closed());
        CHECK(there.fileno() >= 0);
        round_trip_then_kill(p, here);
        // Our copy still holds the stream open (Python's behaviour): no EOF yet ...
        CHECK_THROWS_AS(static_cast<void>(here.recv<int>(300ms)), mpact::TimeoutError);
        there.send(7);  // ... and it is ours to use: a message to `here`
        CHECK(here.recv<int>(30s) == 7);
        there.close();
        CHECK_THROWS_AS(static_cast<void>(here.recv<int>(30s)), mpact::EOFError);
    }
}

TEST_CASE("a Process that is never started hands nothing over" * doctest::timeout(60)) {
    auto [here, there] = mpact::pipe();
    { mpact::Process p({.start_method = mpact::StartMethod::spawn}, echo_ints, there); }
    REQUIRE_FALSE(there.closed());
    there.send(5);
    CHECK(here.recv<int>(10s) == 5);
}
