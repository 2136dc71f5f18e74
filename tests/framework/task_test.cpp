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
        CHECK(std::string(e.what()) == "task 'square' expects (int), got (string)");
    }
    CHECK_THROWS_AS(mpact::invoke_task("square", mpact::pack(std::make_tuple(1, 2))),
                    mpact::ProtocolError);
    CHECK_THROWS_AS(mpact::invoke_task("square", mpact::pack(std::make_tuple())),
                    mpact::ProtocolError);
}
