// mpact::Supervisor: the three restart strategies and the restart intensity, with child
// actors in this process.
#include <doctest/doctest.h>

#include <mpact/actor.hpp>
#include <mpact/supervisor.hpp>

#include "support/support.hpp"

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct Ping {
    MSGPACK_DEFINE()
};
struct Child : mpact::Actor {
    Child() {
        handle([](const Ping&) { return std::string("pong"); });
    }
};

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

TEST_CASE("rest_for_one restarts the child that ended and those started after it" * doctest::timeout(60)) {
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

TEST_CASE("more restarts than the intensity within the period stop the supervisor" * doctest::timeout(60)) {
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
