// The task registry: functions by name, with typed errors for bad arguments.
#include <mpact/task.hpp>

#include <doctest/doctest.h>

#include <string>
#include <tuple>
#include <vector>

namespace {
int square(int x) {
    return x * x;
}
std::string join_words(std::vector<std::string> words, std::string sep) {
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) out += (i ? sep : "") + words[i];
    return out;
}
void nothing() {}
int not_registered(int x) {
    return x;
}
}  // namespace
MPACT_TASK(square);
MPACT_TASK(join_words);
MPACT_TASK(nothing);

namespace geometry {
int area(int side) {
    return side * side;
}
MPACT_TASK(area);
}  // namespace geometry
namespace farming {
int area(int fields) {
    return fields * 100;
}
MPACT_TASK(area);
}  // namespace farming
namespace {
int plus_one(long long x) {
    return static_cast<int>(x + 1);
}
}  // namespace
MPACT_TASK(plus_one);

TEST_CASE("a registered task runs by name on packed arguments") {
    auto result = mpact::invoke_task("square", mpact::pack(std::make_tuple(7)));
    CHECK(mpact::unpack<int>(result) == 49);
    auto joined = mpact::invoke_task(
        "join_words",
        mpact::pack(std::make_tuple(std::vector<std::string>{"a", "b"}, std::string("-"))));
    CHECK(mpact::unpack<std::string>(joined) == "a-b");
    CHECK_NOTHROW(mpact::invoke_task("nothing", mpact::pack(std::make_tuple())));
}

TEST_CASE("a task is found by its function pointer") {
    CHECK(mpact::task_name(&square) == "square");
    CHECK(mpact::find_task("square").signature == "(int) -> int");
    CHECK_THROWS_AS(static_cast<void>(mpact::task_name(&not_registered)), mpact::ValueError);
}

TEST_CASE("an unknown task name is a ValueError naming it") {
    try {
        mpact::invoke_task("cube", mpact::pack(std::make_tuple(1)));
        FAIL("expected ValueError");
    } catch (const mpact::ValueError& e) {
        CHECK(std::string(e.what()).find("'cube'") != std::string::npos);
    }
}

TEST_CASE("wrong argument types or arity name the task and what it expects") {
    try {
        mpact::invoke_task("square", mpact::pack(std::make_tuple(std::string("x"))));
        FAIL("expected ProtocolError");
    } catch (const mpact::ProtocolError& e) {
        CHECK(std::string(e.what()) ==
              "task 'square' expects (int), got (string): argument 1 (string) does not convert "
              "to int");
    }
    CHECK_THROWS_AS(mpact::invoke_task("square", mpact::pack(std::make_tuple(1, 2))),
                    mpact::ProtocolError);
    CHECK_THROWS_AS(mpact::invoke_task("square", mpact::pack(std::make_tuple())),
                    mpact::ProtocolError);
}

TEST_CASE("two tasks of one name in different namespaces are both registered, by qualified name") {
    CHECK(mpact::task_name(&geometry::area) == "geometry::area");
    CHECK(mpact::task_name(&farming::area) == "farming::area");
    CHECK(mpact::unpack<int>(
              mpact::invoke_task("geometry::area", mpact::pack(std::make_tuple(3)))) == 9);
    CHECK(mpact::unpack<int>(
              mpact::invoke_task("farming::area", mpact::pack(std::make_tuple(3)))) == 300);
    // the bare name is ambiguous now: refused, naming both
    try {
        static_cast<void>(mpact::find_task("area"));
        FAIL("expected ValueError");
    } catch (const mpact::ValueError& e) {
        std::string what = e.what();
        CHECK(what.find("geometry::area") != std::string::npos);
        CHECK(what.find("farming::area") != std::string::npos);
    }
    // a unique bare name still finds its task
    CHECK(mpact::find_task("square").name == "square");
}

TEST_CASE("a task in an anonymous namespace is named without it") {
    CHECK(mpact::task_name(&plus_one) == "plus_one");
    CHECK(mpact::find_task("plus_one").where.find("task_test.cpp") != std::string::npos);
}

TEST_CASE("an integer that does not fit its parameter says it is out of range") {
    try {
        mpact::invoke_task("square", mpact::pack(std::make_tuple(3000000000LL)));
        FAIL("expected ProtocolError");
    } catch (const mpact::ProtocolError& e) {
        CHECK(std::string(e.what()) ==
              "task 'square' expects (int), got (int): argument 1 (3000000000) is out of range "
              "for int");
    }
    try {
        mpact::invoke_task("square", mpact::pack(std::make_tuple(-3000000000LL)));
        FAIL("expected ProtocolError");
    } catch (const mpact::ProtocolError& e) {
        CHECK(std::string(e.what()).find("(-3000000000) is out of range for int") !=
              std::string::npos);
    }
    CHECK(mpact::unpack<int>(mpact::invoke_task(
              "plus_one", mpact::pack(std::make_tuple(3000000000LL - 3000000000LL + 1)))) == 2);
}
