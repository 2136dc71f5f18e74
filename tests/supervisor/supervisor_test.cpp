// mpact::Supervisor: the three restart strategies, the restart intensity and the restart
// types, with child actors in this process and in processes of their own.
#include <mpact/actor.hpp>
#include <mpact/errors.hpp>
#include <mpact/restart_policy.hpp>
#include <mpact/supervisor.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct Ping {
    MSGPACK_DEFINE()
};
struct Quit {  // the child ends itself with reason "normal"
    MSGPACK_DEFINE()
};
struct Fail {  // the child ends itself with an abnormal reason
    MSGPACK_DEFINE()
};
struct Child : mpact::Actor {
    Child() {
        handle([](const Ping&) { return std::string("pong"); });
        handle([this](const Quit&) { stop(); });
        handle([this](const Fail&) { stop("failed: boom"); });
    }
};
MPACT_ACTOR(Child);

std::vector<mpact::ChildSpec> three() {
    std::vector<mpact::ChildSpec> specs;
    for (const char* id : {"a", "b", "c"}) {
        specs.push_back({id, [] { return mpact::spawn<Child>(); }});
    }
    return specs;
}

// Waits until the supervisor has made `n` restarts and every child answers.
std::vector<mpact::ActorRef> settled(const mpact::Supervisor& sup, int n) {
    REQUIRE(mpact::test::eventually([&] {
        if (sup.restarts(1s) != n) return false;
        for (const auto& ref : sup.children(1s)) {
            if (!ref.wait_ready(100ms)) return false;
        }
        return true;
    }));
    return sup.children(1s);
}

}  // namespace

TEST_CASE("one_for_one restarts only the child that ended" * doctest::timeout(60)) {
    mpact::Supervisor sup{{.strategy = mpact::RestartStrategy::one_for_one}, three()};
    auto before = settled(sup, 0);
    REQUIRE(before.size() == 3);
    REQUIRE(before[1].stop(1s));
    auto after = settled(sup, 1);
    CHECK(after[0] == before[0]);
    CHECK(after[1] != before[1]);
    CHECK(after[2] == before[2]);
    CHECK(after[1].request<std::string>(Ping{}, 1s) == "pong");
}

TEST_CASE("one_for_all restarts every child when one ends" * doctest::timeout(60)) {
    mpact::Supervisor sup{{.strategy = mpact::RestartStrategy::one_for_all}, three()};
    auto before = settled(sup, 0);
    REQUIRE(before[1].stop(1s));
    auto after = settled(sup, 1);
    REQUIRE(mpact::test::eventually([&] {
        after = sup.children(1s);
        return after[0] != before[0] && after[1] != before[1] && after[2] != before[2];
    }));
    for (const auto& ref : before) CHECK_FALSE(ref.wait_ready(50ms));
}

TEST_CASE("rest_for_one restarts the child that ended and those started after it" *
          doctest::timeout(60)) {
    mpact::Supervisor sup{{.strategy = mpact::RestartStrategy::rest_for_one}, three()};
    auto before = settled(sup, 0);
    REQUIRE(before[1].stop(1s));
    std::vector<mpact::ActorRef> after;
    REQUIRE(mpact::test::eventually([&] {
        after = sup.children(1s);
        return after[1] != before[1] && after[2] != before[2] && after[1].wait_ready(50ms) &&
               after[2].wait_ready(50ms);
    }));
    CHECK(after[0] == before[0]);
}

TEST_CASE("more restarts than the intensity within the period stop the supervisor" *
          doctest::timeout(60)) {
    mpact::Supervisor sup{{.intensity = 2, .period = 30s}, three()};
    auto monitor = sup.ref().monitor();
    for (int i = 0; i < 3; ++i) {
        auto kids = settled(sup, i);
        REQUIRE(kids[0].stop(1s));
    }
    auto down = monitor.wait(10s);
    REQUIRE(down.has_value());
    CHECK(down->reason.find("intensity") != std::string::npos);
}

TEST_CASE("destroying a supervisor stops its children" * doctest::timeout(60)) {
    std::vector<mpact::ActorRef> kids;
    {
        mpact::Supervisor sup{{}, three()};
        kids = settled(sup, 0);
    }
    for (const auto& ref : kids) CHECK_FALSE(ref.wait_ready(50ms));
}

TEST_CASE("a child in its own process is restarted in a new process after SIGKILL" *
          doctest::timeout(60)) {
    mpact::Supervisor sup{
        {}, {mpact::process_child<Child>("svc"), {"local", [] { return mpact::spawn<Child>(); }}}};
    auto first = sup.child("svc", 30s);
    REQUIRE(first.pid() != ::getpid());
    CHECK(first.request<std::string>(Ping{}, 5s) == "pong");
    auto local = sup.child("local", 5s);

    REQUIRE(::kill(first.pid(), SIGKILL) == 0);
    CHECK_THROWS_AS(first.request<std::string>(Ping{}, 5s), mpact::ActorDownError);
    auto second = sup.child("svc", 30s, first);
    CHECK(second != first);
    CHECK(second.pid() != first.pid());
    CHECK(second.request<std::string>(Ping{}, 5s) == "pong");
    CHECK(sup.restarts(1s) == 1);
    CHECK(sup.child("local", 1s) == local);  // one_for_one: the sibling is untouched
}

TEST_CASE("a supervisor's child query waits while the child starts and then answers" *
          doctest::timeout(60)) {
    mpact::Supervisor sup{{}, {mpact::process_child<Child>("svc")}};
    auto ref = sup.child("svc", 30s);  // no wait_ready loop needed: answered once ready
    CHECK(ref.request<std::string>(Ping{}, 5s) == "pong");
    CHECK_THROWS_AS(static_cast<void>(sup.child("nobody", 1s)), mpact::ValueError);
    CHECK_THROWS_AS(static_cast<void>(sup.child("svc", 200ms, ref)), mpact::TimeoutError);
}

TEST_CASE("one_for_all restarts process children together" * doctest::timeout(60)) {
    mpact::Supervisor sup{{.strategy = mpact::RestartStrategy::one_for_all},
                          {mpact::process_child<Child>("a"), mpact::process_child<Child>("b")}};
    auto a = sup.child("a", 30s);
    auto b = sup.child("b", 30s);
    REQUIRE(::kill(b.pid(), SIGKILL) == 0);
    auto a2 = sup.child("a", 30s, a);
    auto b2 = sup.child("b", 30s, b);
    CHECK(a2.request<std::string>(Ping{}, 5s) == "pong");
    CHECK(b2.request<std::string>(Ping{}, 5s) == "pong");
    CHECK_FALSE(a.wait_ready(50ms));
}

TEST_CASE("a process child that never answers counts as a failure and is replaced" *
          doctest::timeout(60)) {
    // The first incarnation hosts its actor under another name, so "svc" never answers there.
    auto attempts = std::make_shared<std::atomic<int>>(0);
    auto first_pid = std::make_shared<std::atomic<pid_t>>(0);
    mpact::ChildSpec spec{"svc", mpact::detail::process_starter("svc", [attempts, first_pid] {
                              bool first = (*attempts)++ == 0;
                              auto p = mpact::start_actor_process<Child>(
                                  first ? "elsewhere" : "svc", {.daemon = true});
                              if (first) *first_pid = *p.pid();
                              return p;
                          })};
    spec.ready_timeout = 300ms;
    mpact::Supervisor sup{{}, {spec}};
    auto ref = sup.child("svc", 30s);
    CHECK(ref.request<std::string>(Ping{}, 5s) == "pong");
    CHECK(sup.restarts(1s) == 1);
    CHECK(*attempts == 2);
    CHECK(mpact::test::eventually([&] { return !mpact::test::process_exists(*first_pid); }));
}

TEST_CASE("a transient process child is restarted after SIGKILL" * doctest::timeout(60)) {
    auto spec = mpact::process_child<Child>("svc");
    spec.restart = mpact::ChildRestart::transient;
    mpact::Supervisor sup{{}, {spec}};
    auto first = sup.child("svc", 30s);
    REQUIRE(::kill(first.pid(), SIGKILL) == 0);  // abnormal: restarted
    auto second = sup.child("svc", 30s, first);
    CHECK(second.request<std::string>(Ping{}, 5s) == "pong");
    CHECK(sup.restarts(1s) == 1);
}

TEST_CASE("transient children restart only after an abnormal end, temporary ones never" *
          doctest::timeout(60)) {
    auto local = [] { return mpact::spawn<Child>(); };
    mpact::Supervisor sup{{},
                          {{"transient", local, mpact::ChildRestart::transient},
                           {"temporary", local, mpact::ChildRestart::temporary},
                           {"permanent", local}}};
    auto permanent = sup.child("permanent", 5s);
    auto failed = sup.child("transient", 5s);
    failed.send(Fail{});  // an abnormal end: restarted
    auto t = sup.child("transient", 5s, failed);
    t.send(Quit{});  // ends with reason "normal": not restarted
    CHECK_THROWS_AS(static_cast<void>(sup.child("transient", 5s, t)), mpact::ActorDownError);
    CHECK_FALSE(sup.children(1s).at(0).valid());
    auto tmp = sup.child("temporary", 5s);
    REQUIRE(tmp.stop(1s));
    CHECK_THROWS_AS(static_cast<void>(sup.child("temporary", 5s, tmp)), mpact::ActorDownError);
    CHECK(sup.restarts(1s) == 1);
    CHECK(sup.child("permanent", 1s) == permanent);
}

TEST_CASE("RestartPolicy: restart types, strategies and the intensity window") {
    using mpact::ChildRestart;
    using mpact::RestartPolicy;
    CHECK(RestartPolicy::restarts(ChildRestart::permanent, "normal"));
    CHECK(RestartPolicy::restarts(ChildRestart::transient, "process 42 ended"));
    CHECK_FALSE(RestartPolicy::restarts(ChildRestart::transient, "stopped"));
    CHECK_FALSE(RestartPolicy::restarts(ChildRestart::temporary, "failed: boom"));

    using V = std::vector<std::size_t>;
    CHECK(RestartPolicy({.strategy = mpact::RestartStrategy::one_for_one}).affected(1, 4) == V{1});
    CHECK(RestartPolicy({.strategy = mpact::RestartStrategy::one_for_all}).affected(1, 3) ==
          V{0, 1, 2});
    CHECK(RestartPolicy({.strategy = mpact::RestartStrategy::rest_for_one}).affected(1, 4) ==
          V{1, 2, 3});

    RestartPolicy policy({.intensity = 2, .period = 10s});
    auto t = mpact::Clock::now();
    CHECK_FALSE(policy.exceeded_by_restart(t));
    CHECK_FALSE(policy.exceeded_by_restart(t + 1s));
    CHECK(policy.exceeded_by_restart(t + 2s));         // 3 within 10 s
    CHECK_FALSE(policy.exceeded_by_restart(t + 13s));  // the earlier ones have left the window
    policy.reset();
    CHECK_FALSE(policy.exceeded_by_restart(t + 14s));
}

TEST_CASE("a supervisor started without an owner ends its children on ShutdownSupervisor" *
          doctest::timeout(60)) {
    auto sup = mpact::spawn_supervisor({}, three());
    std::vector<mpact::ActorRef> kids;
    REQUIRE(mpact::test::eventually([&] {
        kids = sup.request<std::vector<mpact::ActorRef>>(mpact::WhichChildren{}, 1s);
        for (const auto& ref : kids) {
            if (!ref.valid() || !ref.wait_ready(100ms)) return false;
        }
        return kids.size() == 3;
    }));
    auto watch = sup.monitor();
    sup.send(mpact::ShutdownSupervisor{});
    auto down = watch.wait(10s);
    REQUIRE(down.has_value());
    // The monitor's request travels on its own socket and the one-way Shutdown may overtake
    // it: then the supervisor is already gone ("noproc") when it arrives.
    CHECK((down->reason == "shutdown" || down->reason.rfind("noproc", 0) == 0));
    for (const auto& ref : kids) {  // stopped, not restarted
        CHECK(mpact::test::eventually([&] { return !ref.wait_ready(50ms); }));
    }
}
