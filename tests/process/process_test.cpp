// mpact::Process with Python's semantics, under every start method.
#include <mpact/errors.hpp>
#include <mpact/process.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {

void exit_with(int code) {
    std::exit(code);
}
void sleep_long() {
    std::this_thread::sleep_for(60s);
}
void throw_in_child(std::string path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    throw std::runtime_error("boom in the child");
}
void report_identity(std::string path) {
    std::ofstream out(path);
    auto me = mpact::current_process();
    auto parent = mpact::parent_process();
    out << me.name << ' ' << me.pid << ' ' << ::getppid() << ' ' << (parent ? parent->pid : 0)
        << ' ' << me.daemon << ' ' << mpact::authkey().size();
}
}  // namespace
MPACT_TASK(exit_with);
MPACT_TASK(sleep_long);
MPACT_TASK(throw_in_child);
MPACT_TASK(report_identity);

namespace {
std::string scratch_file(const char* tag) {
    return "/tmp/mpact-test-" + std::to_string(::getpid()) + "-" + tag;
}
std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}
const mpact::StartMethod kMethods[] = {mpact::StartMethod::fork, mpact::StartMethod::spawn,
                                       mpact::StartMethod::forkserver};
}  // namespace

TEST_CASE("exit codes follow Python: 0, N from exit(N), -9 after kill, -15 after terminate" *
          doctest::timeout(120)) {
    for (auto method : kMethods) {
        CAPTURE(mpact::to_string(method));
        mpact::Process ok({.start_method = method}, exit_with, 0);
        mpact::Process three({.start_method = method}, exit_with, 3);
        mpact::Process killed({.start_method = method}, sleep_long);
        mpact::Process terminated({.start_method = method}, sleep_long);
        for (auto* p : {&ok, &three, &killed, &terminated}) p->start();
        CHECK(ok.join(30s));
        CHECK(three.join(30s));
        CHECK(ok.exitcode() == 0);
        CHECK(three.exitcode() == 3);
        CHECK(killed.is_alive());
        CHECK_FALSE(killed.join(100ms));  // still sleeping
        CHECK(killed.exitcode() == std::nullopt);
        killed.kill();
        terminated.terminate();
        CHECK(killed.join(10s));
        CHECK(terminated.join(10s));
        CHECK(killed.exitcode() == -9);
        CHECK(terminated.exitcode() == -15);
        CHECK_FALSE(killed.is_alive());
    }
}

TEST_CASE("an uncaught exception gives exit code 1 and its text on stderr" *
          doctest::timeout(120)) {
    for (auto method : kMethods) {
        CAPTURE(mpact::to_string(method));
        auto path = scratch_file("stderr");
        mpact::Process p({.name = "Thrower", .start_method = method}, throw_in_child, path);
        p.start();
        REQUIRE(p.join(30s));
        CHECK(p.exitcode() == 1);
        auto text = slurp(path);
        CHECK(text.find("Process Thrower:") != std::string::npos);
        CHECK(text.find("boom in the child") != std::string::npos);
        std::remove(path.c_str());
    }
}

TEST_CASE("the child knows its name, pid, parent and the session authkey" * doctest::timeout(120)) {
    for (auto method : kMethods) {
        CAPTURE(mpact::to_string(method));
        auto path = scratch_file("identity");
        mpact::Process p({.start_method = method}, report_identity, path);
        CHECK(p.name().starts_with("Process-"));
        CHECK_FALSE(p.pid().has_value());
        p.start();
        REQUIRE(p.join(30s));
        REQUIRE(p.exitcode() == 0);
        std::istringstream in(slurp(path));
        std::string name;
        int pid = 0, ppid = 0, parent_pid = 0, daemon = 0;
        std::size_t key = 0;
        in >> name >> pid >> ppid >> parent_pid >> daemon >> key;
        CHECK(name == p.name());
        CHECK(pid == *p.pid());
        CHECK(parent_pid == ::getpid());
        if (method != mpact::StartMethod::forkserver) CHECK(ppid == ::getpid());
        CHECK(daemon == 0);
        CHECK(key == 32);
        std::remove(path.c_str());
    }
}

TEST_CASE("misuse raises ValueError as in Python" * doctest::timeout(60)) {
    mpact::Process p({.start_method = mpact::StartMethod::fork}, exit_with, 0);
    CHECK_THROWS_AS(p.join(), mpact::ValueError);
    CHECK_THROWS_AS(static_cast<void>(p.sentinel()), mpact::ValueError);
    p.start();
    CHECK_THROWS_AS(p.start(), mpact::ValueError);
    CHECK_THROWS_AS(p.set_daemon(true), mpact::ValueError);
    REQUIRE(p.join(30s));
    p.close();
    CHECK_THROWS_AS(static_cast<void>(p.exitcode()), mpact::ValueError);

    mpact::Process sleeper({.start_method = mpact::StartMethod::fork}, sleep_long);
    sleeper.start();
    CHECK_THROWS_AS(sleeper.close(), mpact::ValueError);
    sleeper.kill();
    CHECK(sleeper.join(10s));
}

TEST_CASE("a lambda runs with fork and is refused before starting by spawn and forkserver" *
          doctest::timeout(60)) {
    int captured = 7;
    mpact::Process forked({.start_method = mpact::StartMethod::fork},
                          [captured] { std::exit(captured); });
    forked.start();
    REQUIRE(forked.join(30s));
    CHECK(forked.exitcode() == 7);
    for (auto method : {mpact::StartMethod::spawn, mpact::StartMethod::forkserver}) {
        mpact::Process p({.start_method = method}, [] {});
        CHECK_THROWS_AS(p.start(), mpact::ValueError);
        CHECK_FALSE(p.pid().has_value());
    }
}

TEST_CASE("sentinels work with mpact::wait and active_children reaps" * doctest::timeout(120)) {
    for (auto method : kMethods) {
        CAPTURE(mpact::to_string(method));
        mpact::Process quick({.start_method = method}, exit_with, 0);
        mpact::Process slow({.start_method = method}, sleep_long);
        quick.start();
        slow.start();
        auto ready = mpact::wait({quick.sentinel(), slow.sentinel()}, 30s);
        REQUIRE(ready.size() == 1);
        CHECK(ready[0] == quick.sentinel());
        CHECK(mpact::wait({slow.sentinel()}, 50ms).empty());
        auto alive = mpact::active_children();
        bool slow_listed = false;
        for (auto& c : alive) slow_listed |= c.pid == *slow.pid();
        CHECK(slow_listed);
        slow.kill();
        CHECK(slow.join(10s));
        quick.join();
        for (auto& c : mpact::active_children()) CHECK(c.pid != *slow.pid());
    }
}

TEST_CASE("start methods: default forkserver, set_start_method, get_context" *
          doctest::timeout(60)) {
    CHECK(mpact::get_start_method() == mpact::StartMethod::forkserver);
    auto ctx = mpact::get_context(mpact::StartMethod::spawn);
    auto p = ctx.process({}, exit_with, 4);
    CHECK(p.start_method() == mpact::StartMethod::spawn);
    p.start();
    REQUIRE(p.join(30s));
    CHECK(p.exitcode() == 4);
    CHECK(mpact::cpu_count() >= 1);
}

TEST_CASE("Context::process takes the target first, as ctx.Process(target=f, args=(x,))" *
          doctest::timeout(60)) {
    auto p = mpact::get_context(mpact::StartMethod::fork).process(exit_with, 5);
    CHECK(p.start_method() == mpact::StartMethod::fork);
    auto named =
        mpact::get_context(mpact::StartMethod::spawn)
            .process({.name = "ctx-child", .start_method = mpact::StartMethod::fork}, exit_with, 6);
    CHECK(named.start_method() == mpact::StartMethod::spawn);  // the context's method wins
    CHECK(named.name() == "ctx-child");
    p.start();
    named.start();
    REQUIRE(p.join(30s));
    REQUIRE(named.join(30s));
    CHECK(p.exitcode() == 5);
    CHECK(named.exitcode() == 6);
}
