// Value and Array across real processes: CPython's _TestValue/_TestArray (written by a child
// under every start method, read after join), 4 processes x N locked increments, fetch_add
// and one-way add from several processes, a shared lock, a Value as a Pool task argument, and
// the creator SIGKILLed (a child's load() then throws ActorDownError).
#include <mpact/pipe.hpp>
#include <mpact/pool.hpp>
#include <mpact/process.hpp>
#include <mpact/queue.hpp>
#include <mpact/sync.hpp>

#include "support/support.hpp"
#include "sync_support.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using namespace sync_test;

namespace {

// _TestValue._test: the child sets new values of each typecode.
void set_values(mpact::Value<int> i, mpact::Value<double> d, mpact::Value<std::int16_t> h,
                mpact::Value<std::int64_t> q, mpact::Value<char> c) {
    i.store(24234);
    d.store(-4.25);
    h.store(234);
    q.store(std::int64_t{1} << 34);
    c.store('y');
}
MPACT_TASK(set_values);

// _TestArray.f: in-place prefix sums.
void prefix_sums(mpact::Array<int> a) {
    for (std::size_t i = 1; i < a.size(); ++i) a.store(i, a.load(i) + a.load(i - 1));
}
MPACT_TASK(prefix_sums);

void locked_increments(mpact::Value<long> v, int rounds) {
    for (int i = 0; i < rounds; ++i) {
        std::scoped_lock g(v.get_lock());
        v.store(v.load() + 1);
    }
}
MPACT_TASK(locked_increments);

void fetch_adds(mpact::Value<long> v, mpact::Array<int> a, int rounds) {
    for (int i = 0; i < rounds; ++i) {
        static_cast<void>(v.fetch_add(1));
        static_cast<void>(a.fetch_add(static_cast<std::size_t>(i) % a.size(), 1));
    }
}
MPACT_TASK(fetch_adds);

// One-way adds, then a load(): its reply comes after every add of this thread was applied.
void one_way_adds(mpact::Value<long> v, int rounds) {
    for (int i = 0; i < rounds; ++i) v.add(1);
    static_cast<void>(v.load());
}
MPACT_TASK(one_way_adds);

void report_lock(mpact::Value<int> v, mpact::Lock lock, mpact::Queue<int> out) {
    out.put(v.get_lock() == lock ? 1 : 0);
    out.put(v.get_lock().try_lock() ? 1 : 0);  // the parent holds it
}
MPACT_TASK(report_lock);

long pool_add(mpact::Value<long> v) {
    return v.fetch_add(2);
}
MPACT_TASK(pool_add);

// Creates a Value, hands it over on `c`, and waits to be killed.
void own_value(mpact::Connection c) {
    mpact::Value<int> v{17};
    c.send(v);
    ::pause();
}
MPACT_TASK(own_value);

// After `go`, loads `v` (its creator is dead by then) and reports what happened.
void load_after(mpact::Value<int> v, mpact::Event go, mpact::Queue<std::string> out) {
    static_cast<void>(go.wait(60s));
    try {
        out.put("loaded " + std::to_string(v.load()));
    } catch (const mpact::ActorDownError& e) {
        out.put(std::string("ActorDownError: ") + e.what());
    }
}
MPACT_TASK(load_after);

}  // namespace

TEST_CASE(
    "values written by a child are read after join, locked and raw, under every start "
    "method" *
    doctest::timeout(180)) {
    for (auto method : kMethods) {
        for (bool lock : {true, false}) {  // V-1: test_value and test_rawvalue
            CAPTURE(static_cast<int>(method));
            CAPTURE(lock);
            const mpact::ValueOptions options{.lock = lock};
            mpact::Value<int> i{4343, options};
            mpact::Value<double> d{3.625, options};
            mpact::Value<std::int16_t> h{-232, options};
            mpact::Value<std::int64_t> q{std::int64_t{1} << 33, options};
            mpact::Value<char> c{'x', options};
            CHECK(i.load() == 4343);
            CHECK(h.load() == -232);
            mpact::Process p({.start_method = method}, set_values, i, d, h, q, c);
            p.start();
            REQUIRE(p.join(60s));
            CHECK(p.exitcode().value_or(-1) == 0);
            CHECK(i.load() == 24234);
            CHECK(d.load() == -4.25);
            CHECK(h.load() == 234);
            CHECK(q.load() == std::int64_t{1} << 34);
            CHECK(c.load() == 'y');
        }
    }
}

TEST_CASE("an array changed in place by a child: the parent sees the prefix sums" *
          doctest::timeout(180)) {
    const std::vector<int> seq{680, 626, 934, 821, 150, 233, 548, 982, 714, 831};  // V-3
    for (auto method : kMethods) {
        CAPTURE(static_cast<int>(method));
        mpact::Array<int> a{seq};
        CHECK(a.size() == seq.size());
        CHECK(a.load(3) == seq[3]);
        CHECK(a.load(2, 5) == std::vector<int>(seq.begin() + 2, seq.begin() + 5));
        mpact::Process p({.start_method = method}, prefix_sums, a);
        p.start();
        REQUIRE(p.join(60s));
        CHECK(p.exitcode().value_or(-1) == 0);
        std::vector<int> sums = seq;
        for (std::size_t k = 1; k < sums.size(); ++k) sums[k] += sums[k - 1];
        CHECK(a.to_vector() == sums);
    }
}

TEST_CASE("4 processes x N increments under get_lock(): the count is exact" *
          doctest::timeout(300)) {
    constexpr int kRounds = 2000 / mpact::test::kVolumeScale;
    mpact::Value<long> v{0};
    std::vector<mpact::Process> ps;
    for (int i = 0; i < 4; ++i) {
        ps.emplace_back(mpact::ProcessOptions{.start_method = kManyChildren}, locked_increments, v,
                        kRounds);
    }
    for (auto& p : ps) p.start();
    for (auto& p : ps) {
        REQUIRE(p.join(240s));
        CHECK(p.exitcode().value_or(-1) == 0);
    }
    CHECK(v.load() == 4 * kRounds);
}

TEST_CASE("fetch_add from 4 processes without a lock is exact, for a Value and an Array" *
          doctest::timeout(300)) {
    constexpr int kRounds = 2000 / mpact::test::kVolumeScale;
    mpact::Value<long> v{0, {.lock = false}};
    mpact::Array<int> a{4, {.lock = false}};
    std::vector<mpact::Process> ps;
    for (int i = 0; i < 4; ++i) {
        ps.emplace_back(mpact::ProcessOptions{.start_method = kManyChildren}, fetch_adds, v, a,
                        kRounds);
    }
    for (auto& p : ps) p.start();
    for (auto& p : ps) {
        REQUIRE(p.join(240s));
        CHECK(p.exitcode().value_or(-1) == 0);
    }
    CHECK(v.load() == 4 * kRounds);
    long total = 0;
    for (int x : a.to_vector()) total += x;
    CHECK(total == 4 * kRounds);
}

TEST_CASE("one-way add from 2 processes: a load() after they end is exact" *
          doctest::timeout(300)) {
    constexpr int kRounds = 10000 / mpact::test::kVolumeScale;
    mpact::Value<long> v{0};
    mpact::Process p({.start_method = kManyChildren}, one_way_adds, v, kRounds);
    mpact::Process q({.start_method = kManyChildren}, one_way_adds, v, kRounds);
    p.start();
    q.start();
    REQUIRE(p.join(240s));
    REQUIRE(q.join(240s));
    CHECK(p.exitcode().value_or(-1) == 0);
    CHECK(q.exitcode().value_or(-1) == 0);
    CHECK(v.load() == 2 * kRounds);
}

TEST_CASE("a Value made with {.lock = lock} shares that Lock with a child" *
          doctest::timeout(120)) {
    mpact::Lock lock;
    mpact::Value<int> v{0, {.lock = lock}};
    mpact::Queue<int> out;
    REQUIRE(lock.acquire());
    mpact::Process p({.start_method = mpact::StartMethod::spawn}, report_lock, v, lock, out);
    p.start();
    CHECK(out.get(60s) == 1);  // get_lock() is the lock
    CHECK(out.get(60s) == 0);  // held by the parent
    REQUIRE(p.join(60s));
    lock.release();
}

TEST_CASE("a Value as a Pool task argument" * doctest::timeout(180)) {
    mpact::Value<long> v{0};
    {
        mpact::Pool pool{{.processes = 2}};
        std::vector<mpact::Value<long>> args(20, v);
        auto before = pool.map(pool_add, args, 1);
        CHECK(before.size() == 20);
    }
    CHECK(v.load() == 40);
}

TEST_CASE("the creator of a Value SIGKILLed: a child's load() then throws ActorDownError" *
          doctest::timeout(120)) {
    auto [here, there] = mpact::pipe();
    mpact::Process owner({.start_method = mpact::StartMethod::forkserver}, own_value, there);
    owner.start();
    mpact::test::ChildGuard guard(*owner.pid());
    auto v = here.recv<mpact::Value<int>>(60s);
    CHECK(v.load() == 17);
    mpact::Event go;
    mpact::Queue<std::string> out;
    mpact::Process reader({.start_method = mpact::StartMethod::fork}, load_after, v, go, out);
    reader.start();
    guard.add(*reader.pid());
    owner.kill();
    REQUIRE(owner.join(30s));
    const auto t0 = std::chrono::steady_clock::now();
    go.set();
    auto said = out.get(30s);
    CHECK(std::chrono::steady_clock::now() - t0 < 5s);
    CHECK(said.rfind("ActorDownError", 0) == 0);
    CHECK(said.find("Value") != std::string::npos);
    REQUIRE(reader.join(30s));
    CHECK_THROWS_AS(static_cast<void>(v.load()), mpact::ActorDownError);
}
