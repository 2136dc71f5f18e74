// The local fast lane (docs/architecture.md, "Lanes"): set-up and tear-down under every start
// method, order across the switch-over, dead peers, exit right after sending, and the
// primitives' traffic on it. Bad input and who may open one: lane_refusal_test.cpp.
#include "transport/lane.hpp"

#include <mpact/actor.hpp>
#include <mpact/errors.hpp>
#include <mpact/node.hpp>
#include <mpact/pool.hpp>
#include <mpact/process.hpp>
#include <mpact/queue.hpp>
#include <mpact/supervisor.hpp>
#include <mpact/task.hpp>

#include "lane_messages.hpp"
#include "lane_service.hpp"
#include "support/support.hpp"
#include "transport/descriptor_budget.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/securebits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

using lane_messages::Echo;
using lane_messages::Note;
using lane_messages::Notes;
using lane_messages::until_lane;
using namespace lane_service;

// A child's work under any start method: requests until its link is on the lane, `n` more,
// then it reports what its links did.
void lane_client(mpact::ActorRef to, int n) {
    auto echo = [&](int i) { static_cast<void>(to.request<int>(Echo{i}, 20s)); };
    if (!until_lane(echo)) throw mpact::TimeoutError("no lane within 20 s");
    for (int i = 0; i < n; ++i) echo(i);
    auto s = mpact::node_stats();
    to.request(Report{s.lanes_opened, s.lane_sent}, 20s);
}

// Requests until the lane is open, then `n` one-way messages and exit at once.
void lane_ticks(mpact::ActorRef to, int n) {
    if (!until_lane([&](int i) { static_cast<void>(to.request<int>(Echo{i}, 20s)); })) {
        throw mpact::TimeoutError("no lane within 20 s");
    }
    for (int i = 0; i < n; ++i) to.send(Tick{});
}

int lane_square(int x) {
    return x * x;
}

// A consumer in another process: takes `n` items and sends back their sum.
void lane_consume(mpact::Queue<int> in, mpact::Queue<long> out, int n) {
    long sum = 0;
    for (int i = 0; i < n; ++i) sum += in.get(std::chrono::seconds(20));
    out.put(sum);
}

// Another process's user thread asks a Supervisor for its children `n` times, then asks
// the child; throws (exit code 1) unless those requests rode a lane.
void lane_ask_supervisor(mpact::ActorRef sup, int n) {
    std::vector<mpact::ActorRef> children;
    auto ask = [&](int) {
        children = sup.request<std::vector<mpact::ActorRef>>(mpact::WhichChildren{}, 20s);
    };
    if (!until_lane(ask)) throw mpact::TimeoutError("no lane to the supervisor within 20 s");
    for (int i = 0; i < n; ++i) ask(i);
    if (children.size() != 1) throw mpact::ValueError("expected one child");
    if (children[0].request<int>(Echo{41}, 20s) != 42) throw mpact::ValueError("wrong answer");
    auto s = mpact::node_stats();
    if (s.lanes_opened < 1 || s.lane_sent < static_cast<std::uint64_t>(n)) {
        throw mpact::ValueError("requests did not ride the lane: lane_sent " +
                                std::to_string(s.lane_sent));
    }
}

}  // namespace
MPACT_TASK(lane_ask_supervisor);
MPACT_TASK(lane_client);
MPACT_TASK(lane_ticks);
MPACT_TASK(lane_square);
MPACT_TASK(lane_consume);

TEST_CASE("a lane opens under every start method and closes when the child ends" *
          doctest::timeout(120)) {
    auto svc = mpact::spawn<Service>();
    std::size_t seen = 0;
    for (auto method :
         {mpact::StartMethod::fork, mpact::StartMethod::spawn, mpact::StartMethod::forkserver}) {
        CAPTURE(mpact::to_string(method));
        auto before = mpact::node_stats();
        mpact::Process child({.start_method = method}, lane_client, svc, 20);
        child.start();
        REQUIRE(child.join(60s));
        CHECK(child.exitcode() == 0);
        auto reports = svc.request<std::vector<std::uint64_t>>(Reports{}, 10s);
        REQUIRE(reports.size() == seen + 2);
        CHECK(reports[seen] >= 1);       // the child's link moved to the lane
        CHECK(reports[seen + 1] >= 20);  // and its requests rode it
        seen += 2;
        auto after = mpact::node_stats();
        CHECK(after.lanes_accepted > before.lanes_accepted);
        CHECK(after.lane_received >= before.lane_received + 20);
        // Torn down: the lane ends with the child.
        CHECK(mpact::test::eventually(
            [&] { return mpact::node_stats().lanes_closed > before.lanes_closed; }));
    }
}

TEST_CASE("one-way sends and requests keep their order across the switch to the lane" *
          doctest::timeout(120)) {
    pid_t pid = start_service_child();
    mpact::test::ChildGuard guard(pid);
    mpact::ActorRef svc(mpact::node_endpoint(pid), "svc");
    REQUIRE(svc.wait_ready(20s));
    std::vector<int> expected;
    int next = 0;
    int switched = 0;  // rounds that began on ZeroMQ and moved to the lane
    for (int round = 0; round < 6; ++round) {
        auto before = mpact::node_stats();
        // A fresh thread has fresh links: its first messages go through ZeroMQ, the rest on
        // the lane once a request has been answered there.
        // A loaded machine can delay the peer's accept past 2000 messages: then go on.
        auto on_lane = [&] { return mpact::node_stats().lane_sent > before.lane_sent; };
        const auto until = std::chrono::steady_clock::now() + 20s;
        std::thread([&] {
            for (int i = 0; i < 2000 || (!on_lane() && std::chrono::steady_clock::now() < until);
                 ++i) {
                if (i % 97 == 5) {
                    CHECK(svc.request<int>(Echo{i}, 20s) == i + 1);
                } else {
                    svc.send(Note{next});
                    expected.push_back(next++);
                }
            }
        }).join();
        auto after = mpact::node_stats();
        CHECK(after.lanes_opened > before.lanes_opened);
        CHECK(after.lane_sent > before.lane_sent);
        // The peer may accept the lane before the first message leaves (then all of it
        // rides the lane); usually the first messages go through ZeroMQ.
        if (after.zmq_sent > before.zmq_sent) ++switched;
        CHECK(svc.request<std::vector<int>>(Notes{}, 20s) == expected);
    }
    CHECK(switched >= 1);
}

TEST_CASE("a peer killed in the middle of a request on the lane fails it within 1 s" *
          doctest::timeout(60)) {
    pid_t pid = start_service_child();
    mpact::test::ChildGuard guard(pid);
    mpact::ActorRef svc(mpact::node_endpoint(pid), "svc");
    REQUIRE(svc.wait_ready(20s));
    std::optional<std::chrono::steady_clock::time_point> failed_at;
    std::uint64_t lane_sent = 0;
    std::thread caller([&] {
        CHECK(until_lane([&](int i) { CHECK(svc.request<int>(Echo{i}, 20s) == i + 1); }));
        auto before = mpact::node_stats().lane_sent;
        try {
            static_cast<void>(svc.request<int>(Hang{}, 30s));
        } catch (const mpact::ActorDownError&) {
            failed_at = std::chrono::steady_clock::now();
        }
        lane_sent = mpact::node_stats().lane_sent - before;
    });
    REQUIRE(mpact::test::eventually([&] { return svc.request<int>(Parked{}, 10s) == 1; }));
    auto killed_at = std::chrono::steady_clock::now();
    ::kill(pid, SIGKILL);
    caller.join();
    REQUIRE(failed_at.has_value());
    CHECK(*failed_at - killed_at < 1s);
    CHECK(lane_sent >= 1);  // the hanging request was on the lane
    CHECK(mpact::test::wait_child(pid) != -1);
    guard.release(pid);
}

TEST_CASE("100,000 one-way messages sent on the lane right before exit all arrive" *
          doctest::timeout(300)) {
    auto svc = mpact::spawn<Service>();
    const int count = 100000 / mpact::test::kVolumeScale;
    long expected = 0;
    for (auto method : {mpact::StartMethod::fork, mpact::StartMethod::forkserver}) {
        for (int round = 0; round < 3; ++round) {
            auto before = mpact::node_stats();
            mpact::Process producer({.start_method = method}, lane_ticks, svc, count);
            producer.start();
            REQUIRE(producer.join(120s));
            CHECK(producer.exitcode() == 0);
            expected += count;
            CHECK(svc.request<long>(Ticks{}, 20s) == expected);
            // The ticks came by the lane (batched: far fewer frames than messages).
            CHECK(mpact::node_stats().lane_received >= before.lane_received + 3);
        }
    }
}

TEST_CASE("Queue, Pool and Supervisor requests from user threads ride the lane" *
          doctest::timeout(120)) {
    SUBCASE("Supervisor") {
        mpact::Supervisor sup{{}, {{"local", [] { return mpact::spawn<Service>(); }}}};
        static_cast<void>(sup.child("local", 20s));
        auto before = mpact::node_stats();
        mpact::Process asker({.start_method = mpact::StartMethod::forkserver}, lane_ask_supervisor,
                             sup.ref(), 30);
        asker.start();
        REQUIRE(asker.join(60s));
        CHECK(asker.exitcode() == 0);
        auto after = mpact::node_stats();
        CHECK(after.lanes_accepted > before.lanes_accepted);
        CHECK(after.lane_received >= before.lane_received + 29);
        // The I/O thread's own traffic: tests/lane/lane_io_test.cpp.
    }
    SUBCASE("Queue") {
        mpact::Queue<int> in;
        mpact::Queue<long> out;
        constexpr int kItems = 3000;
        auto before = mpact::node_stats();
        mpact::Process consumer({.start_method = mpact::StartMethod::forkserver}, lane_consume, in,
                                out, kItems);
        consumer.start();
        long expected = 0;
        for (int i = 0; i < kItems; ++i) {
            in.put(i);
            expected += i;
            // A get that finds the queue empty parks; items trickle: many Get requests.
            if (i % 100 == 99) std::this_thread::yield();
        }
        CHECK(out.get(60s) == expected);
        REQUIRE(consumer.join(60s));
        auto after = mpact::node_stats();
        CHECK(after.lanes_accepted > before.lanes_accepted);
        CHECK(after.lane_received > before.lane_received);
    }
    SUBCASE("Pool") {
        auto before = mpact::node_stats();
        std::vector<int> items(400);
        for (int i = 0; i < 400; ++i) items[static_cast<std::size_t>(i)] = i;
        std::vector<int> squares;
        {
            mpact::Pool pool({.processes = 2});
            squares = pool.map(lane_square, items, 1);
            pool.close();
            pool.join();
        }
        for (int i = 0; i < 400; ++i) CHECK(squares[static_cast<std::size_t>(i)] == i * i);
        auto after = mpact::node_stats();
        // The workers' requests to the pool actor come by lane once their link switched
        // (the whole of a warm pool's traffic: tests/lane/lane_io_test.cpp).
        CHECK(after.lanes_accepted >= before.lanes_accepted + 1);
        CHECK(after.lane_received > before.lane_received);
    }
}
