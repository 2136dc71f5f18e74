// Bounded queues across processes: puts spend credits (room the broker reserved for the
// producer's process) and are sent in batches. What must hold: the queue never holds more
// than maxsize items, put(timeout) raises Full, every producer gets its turn, and room
// reserved by a producer that is SIGKILLed comes back.
#include <mpact/process.hpp>
#include <mpact/queue.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

void put_range(mpact::Queue<int> q, int first, int count) {
    for (int i = first; i < first + count; ++i) q.put(i);
}
MPACT_TASK(put_range);

// Reports 1 if put(timeout) raised Full, 0 if the item went in.
void put_with_timeout(mpact::Queue<int> q, mpact::Queue<int> report) {
    try {
        q.put(99, 300ms);
        report.put(0);
    } catch (const mpact::Full&) {
        report.put(1);
    }
}
MPACT_TASK(put_with_timeout);

// Puts two items, waits until the broker has acknowledged them (and topped its credits
// up), then stops itself: it holds room it will never use, and cannot give it back.
void put_two_and_stop(mpact::Queue<int> q) {
    q.put(1);
    q.put(2);
    static_cast<void>(q.qsize());
    ::raise(SIGSTOP);
}
MPACT_TASK(put_two_and_stop);

bool stopped(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'T';
}

}  // namespace

TEST_CASE("many puts into a bounded queue with a slow consumer never exceed maxsize" *
          doctest::timeout(180)) {
    constexpr std::size_t kMax = 10;
    constexpr int kProducers = 2, kEach = 1000;
    mpact::Queue<int> q(kMax);
    std::vector<mpact::Process> producers;
    for (int p = 0; p < kProducers; ++p) {
        producers.emplace_back(mpact::ProcessOptions{.start_method = mpact::StartMethod::fork},
                               put_range, q, p * 100'000, kEach);
    }
    for (auto& p : producers) p.start();
    REQUIRE(mpact::test::eventually([&] { return q.full(); }, 60s));
    std::map<int, int> next;  // per producer: the next item expected (FIFO per producer)
    std::size_t largest = 0;
    for (int i = 0; i < kProducers * kEach; ++i) {
        auto size = q.qsize();  // a round trip per item: the consumer is the slow side
        largest = std::max(largest, size);
        REQUIRE(size <= kMax);
        int v = q.get(30s);
        int producer = v / 100'000;
        REQUIRE(v == producer * 100'000 + next[producer]);
        ++next[producer];
    }
    CHECK(largest == kMax);
    for (int p = 0; p < kProducers; ++p) CHECK(next[p] == kEach);
    CHECK_FALSE(q.try_get(200ms).has_value());
    for (auto& p : producers) {
        REQUIRE(p.join(30s));
        CHECK(p.exitcode().value_or(-1000) == 0);
    }
}

TEST_CASE("put with a timeout raises Full while the queue stays full, here and in a child" *
          doctest::timeout(120)) {
    mpact::Queue<int> q(4), report;
    for (int i = 0; i < 4; ++i) q.put_nowait(i);
    CHECK(q.full());
    auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(q.put(4, 200ms), mpact::Full);
    auto waited = std::chrono::steady_clock::now() - start;
    CHECK(waited >= 200ms);
    CHECK(waited < 20s);
    CHECK_THROWS_AS(q.put_nowait(4), mpact::Full);

    mpact::Process child({.start_method = mpact::StartMethod::forkserver}, put_with_timeout, q,
                         report);
    child.start();
    CHECK(report.get(60s) == 1);
    REQUIRE(child.join(30s));
    CHECK(q.qsize() == 4);

    CHECK(q.get(10s) == 0);
    q.put(4, 10s);  // room again
    for (int want : {1, 2, 3, 4}) CHECK(q.get(10s) == want);
}

TEST_CASE("room reserved by a producer that is SIGKILLed comes back" * doctest::timeout(180)) {
    constexpr std::size_t kMax = 8;
    int held_room = 0;  // rounds in which the child really held room when it was killed
    for (int round = 0; round < 3; ++round) {
        CAPTURE(round);
        mpact::Queue<int> q(kMax);
        mpact::Process p({.start_method = mpact::StartMethod::fork}, put_two_and_stop, q);
        p.start();
        mpact::test::ChildGuard guard(*p.pid());  // it never exits by itself
        REQUIRE(mpact::test::eventually([&] { return stopped(*p.pid()); }, 30s));
        for (std::size_t i = 0; i < kMax; ++i) {
            try {
                q.put_nowait(100);
            } catch (const mpact::Full&) {
                break;
            }
        }
        if (q.qsize() < kMax) ++held_room;  // the stopped child's credits keep the rest
        p.kill();
        REQUIRE(p.join(30s));
        // Its credits return with its death: the queue fills to maxsize again.
        for (std::size_t i = 0; i < kMax && q.qsize() < kMax; ++i) {
            CHECK_NOTHROW(q.put(200, 30s));
        }
        CHECK(q.qsize() == kMax);
        CHECK(q.full());
        CHECK_THROWS_AS(q.put_nowait(300), mpact::Full);
        int ones = 0, twos = 0;
        while (auto v = q.try_get(200ms)) {
            ones += *v == 1;
            twos += *v == 2;
        }
        CHECK(ones == 1);  // acknowledged before the child stopped: delivered exactly once
        CHECK(twos == 1);
    }
    CHECK(held_room >= 1);
}

TEST_CASE("several producer processes on a small bounded queue all finish, FIFO each" *
          doctest::timeout(180)) {
    constexpr int kProducers = 4, kEach = 500;
    mpact::Queue<int> q(16);
    std::vector<mpact::Process> producers;
    for (int p = 0; p < kProducers; ++p) {
        producers.emplace_back(mpact::ProcessOptions{}, put_range, q, p * 100'000, kEach);
    }
    for (auto& p : producers) p.start();
    std::map<int, int> next;
    for (int i = 0; i < kProducers * kEach; ++i) {
        int v = q.get(60s);
        int producer = v / 100'000;
        REQUIRE(producer < kProducers);
        REQUIRE(v == producer * 100'000 + next[producer]);
        ++next[producer];
    }
    for (int p = 0; p < kProducers; ++p) CHECK(next[p] == kEach);
    for (auto& p : producers) {
        REQUIRE(p.join(30s));
        CHECK(p.exitcode().value_or(-1000) == 0);
    }
    CHECK_FALSE(q.try_get(200ms).has_value());
}
