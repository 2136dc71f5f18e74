// How long a primitive lives (a sync primitive, a Queue). Its actor is hosted by the process
// that created it; when that process drops its last handle while non-daemon children of it
// still run, the actor keeps serving them (as Python's primitives outlive the creator's
// references, and as Python joins those children at exit), and stops once they have ended.
#include <mpact/process.hpp>
#include <mpact/queue.hpp>
#include <mpact/sync.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <exception>
#include <optional>
#include <tuple>

using namespace std::chrono_literals;

namespace {

// Gets its Lock by a queue (so no Process argument keeps a copy in the creator), says so,
// waits for the test's go, then uses both primitives.
void late_user(mpact::Event event, mpact::Queue<mpact::Lock> locks, mpact::Queue<int> got,
               mpact::Queue<int> go, mpact::Queue<int> out) {
    auto lock = locks.get(60s);
    got.put(1);
    static_cast<void>(go.get(60s));
    try {
        out.put(lock.acquire(10s) ? 1 : -1);
        lock.release();
        event.set();
        out.put(event.is_set() ? 2 : -2);
    } catch (const mpact::ActorDownError&) {
        out.put(-3);  // the primitive stopped with the creator's handles
    }
}
MPACT_TASK(late_user);

// Creates the primitives, starts late_user, drops every handle and the Process object, and
// says so. With `stay`, it then waits (bounded) for the child to end and reports whether the
// Lock's actor still answers (0) or has stopped (1).
void creator(mpact::Queue<int> go, mpact::Queue<int> out, bool stay) {
    std::optional<mpact::Lock> lock{std::in_place};
    std::optional<mpact::Event> event{std::in_place};
    const mpact::ActorRef lock_actor = std::get<0>(lock->packed());
    mpact::Queue<mpact::Lock> locks;
    mpact::Queue<int> got;  // both live as long as this function: the child is done with them
    {
        mpact::Process user({.start_method = mpact::StartMethod::fork}, late_user, *event, locks,
                            got, go, out);
        user.start();
    }
    locks.put(*lock);
    static_cast<void>(got.get(60s));  // the Lock has reached the child
    lock.reset();
    event.reset();
    out.put(0);
    if (!stay) return;  // this process's exit joins `user`
    const bool child_ended =
        mpact::test::eventually([] { return mpact::active_children().empty(); }, 60s);
    const bool stopped =
        mpact::test::eventually([&] { return !lock_actor.wait_ready(100ms); }, 10s);
    out.put(child_ended && stopped ? 1 : 0);
}
MPACT_TASK(creator);

// As late_user, for a Queue: takes what the creator put, puts and takes one more.
void late_queue_user(mpact::Queue<mpact::Queue<int>> carrier, mpact::Queue<int> got,
                     mpact::Queue<int> go, mpact::Queue<int> out) {
    auto q = carrier.get(60s);
    got.put(1);
    static_cast<void>(go.get(60s));
    try {
        q.put(q.get(10s) + 1);
        out.put(q.get(10s));
    } catch (const std::exception&) {
        out.put(-3);  // the broker stopped with the creator's handles
    }
}
MPACT_TASK(late_queue_user);

void queue_creator(mpact::Queue<int> go, mpact::Queue<int> out) {
    std::optional<mpact::Queue<int>> q{std::in_place};
    mpact::Queue<mpact::Queue<int>> carrier;
    mpact::Queue<int> got;
    {
        mpact::Process user({.start_method = mpact::StartMethod::fork}, late_queue_user, carrier,
                            got, go, out);
        user.start();
    }
    q->put(41);
    carrier.put(*q);
    static_cast<void>(got.get(60s));  // the Queue has reached the child
    q.reset();
    out.put(0);
}
MPACT_TASK(queue_creator);

}  // namespace

TEST_CASE(
    "the creator drops its handles and returns: its primitives serve its running child "
    "until the exit joins it" *
    doctest::timeout(120)) {
    mpact::Queue<int> go, out;
    mpact::Process p({.start_method = mpact::StartMethod::fork}, creator, go, out, false);
    p.start();
    REQUIRE(out.get(60s) == 0);  // every handle in the creator is gone
    go.put(1);
    CHECK(out.get(60s) == 1);  // the Lock still answers
    CHECK(out.get(60s) == 2);  // and so does the Event
    REQUIRE(p.join(60s));
    CHECK(p.exitcode().value_or(-1) == 0);
}

TEST_CASE(
    "a primitive whose creator dropped its handles stops once the creator's children "
    "have ended" *
    doctest::timeout(120)) {
    mpact::Queue<int> go, out;
    mpact::Process p({.start_method = mpact::StartMethod::fork}, creator, go, out, true);
    p.start();
    REQUIRE(out.get(60s) == 0);
    go.put(1);
    CHECK(out.get(60s) == 1);
    CHECK(out.get(60s) == 2);
    CHECK(out.get(90s) == 1);  // the child ended, and then the Lock's actor stopped
    REQUIRE(p.join(60s));
    CHECK(p.exitcode().value_or(-1) == 0);
}

TEST_CASE("a Queue whose creator dropped its handles and returned serves its running child" *
          doctest::timeout(120)) {
    mpact::Queue<int> go, out;
    mpact::Process p({.start_method = mpact::StartMethod::fork}, queue_creator, go, out);
    p.start();
    REQUIRE(out.get(60s) == 0);
    go.put(1);
    CHECK(out.get(60s) == 42);
    REQUIRE(p.join(60s));
    CHECK(p.exitcode().value_or(-1) == 0);
}
