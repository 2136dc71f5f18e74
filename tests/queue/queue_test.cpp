// mpact::Queue, JoinableQueue, SimpleQueue in one process: FIFO, timeouts, Full/Empty,
// close, task_done/join, many threads.
#include <mpact/node.hpp>
#include <mpact/queue.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

using namespace std::chrono_literals;

namespace {
struct Point {
    int x = 0;
    std::string label;
    MSGPACK_DEFINE(x, label)
};
}  // namespace

TEST_CASE("items come out in the order they were put" * doctest::timeout(30)) {
    mpact::Queue<int> q;
    for (int i = 0; i < 10000; ++i) q.put(i);
    for (int i = 0; i < 10000; ++i) REQUIRE(q.get(5s) == i);
}

TEST_CASE("any msgpack value travels: strings, vectors, structs, optionals" *
          doctest::timeout(30)) {
    mpact::Queue<std::tuple<std::string, int, std::optional<int>>> q;
    q.put({"33", 44, std::nullopt});
    auto [s, i, none] = q.get(5s);
    CHECK(s == "33");
    CHECK(i == 44);
    CHECK_FALSE(none.has_value());

    mpact::Queue<Point> points;
    points.put(Point{7, "seven"});
    auto p = points.get(5s);
    CHECK(p.x == 7);
    CHECK(p.label == "seven");

    mpact::Queue<std::vector<std::string>> lists;
    lists.put({"a", "b", std::string(100000, 'c')});
    auto l = lists.get(5s);
    REQUIRE(l.size() == 3);
    CHECK(l[2].size() == 100000);
}

TEST_CASE("Bytes items travel whole, small ones in batches and large ones spilled" *
          doctest::timeout(60)) {
    mpact::Queue<mpact::Bytes> q;
    mpact::Bytes large = mpact::Bytes::for_overwrite(std::size_t{3} << 20);  // above kSpillFrom
    for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<char>(i * 7);
    q.put(large);
    q.put(mpact::Bytes(std::string_view("tiny")));
    q.put(mpact::Bytes());
    q.put(large);
    CHECK(q.get(10s) == large);
    CHECK(q.get(10s).view() == "tiny");
    CHECK(q.get(10s).empty());
    CHECK(q.get(10s) == large);
}

TEST_CASE("get raises Empty after the timeout when nothing was put" * doctest::timeout(30)) {
    mpact::Queue<int> q;
    auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(static_cast<void>(q.get(200ms)), mpact::Empty);
    auto waited = std::chrono::steady_clock::now() - start;
    CHECK(waited >= 200ms);
    CHECK(waited < 10s);
    CHECK_THROWS_AS(static_cast<void>(q.get_nowait()), mpact::Empty);
    CHECK_FALSE(q.try_get().has_value());
    CHECK_FALSE(q.try_get(50ms).has_value());
    q.put(5);
    CHECK(q.try_get(5s) == 5);
}

TEST_CASE("a blocked get wakes when another thread puts" * doctest::timeout(30)) {
    mpact::Queue<std::string> q;
    std::thread producer([q] {
        std::this_thread::sleep_for(50ms);  // lets the getter park first; not synchronisation
        q.put("late");
    });
    CHECK(q.get(10s) == "late");
    producer.join();
}

TEST_CASE("qsize, empty and full follow puts and gets" * doctest::timeout(30)) {
    mpact::Queue<int> q(3);
    CHECK(q.empty());
    CHECK(q.qsize() == 0);
    q.put(1);
    q.put(2);
    CHECK(q.qsize() == 2);
    CHECK_FALSE(q.full());
    q.put(3);
    CHECK(q.full());
    CHECK_THROWS_AS(q.put_nowait(4), mpact::Full);
    CHECK_THROWS_AS(q.put(4, 100ms), mpact::Full);
    CHECK(q.get(5s) == 1);
    q.put_nowait(4);
    for (int want : {2, 3, 4}) CHECK(q.get(5s) == want);
    CHECK(q.empty());
}

TEST_CASE("a bounded put blocks until a get makes room" * doctest::timeout(30)) {
    mpact::Queue<int> q(1);
    q.put(1);
    std::atomic<bool> put_done{false};
    std::thread producer([&] {
        q.put(2, 10s);
        put_done = true;
    });
    std::this_thread::sleep_for(100ms);  // gives the put time to (wrongly) complete
    CHECK_FALSE(put_done.load());
    CHECK(q.get(5s) == 1);
    CHECK(q.get(5s) == 2);
    producer.join();
    CHECK(put_done.load());
}

TEST_CASE("a getter waiting on an empty bounded queue wakes when another thread puts" *
          doctest::timeout(30)) {
    mpact::Queue<std::string> q(2);
    std::thread producer([q] {
        std::this_thread::sleep_for(50ms);  // lets the getter park first; not synchronisation
        q.put("late");
    });
    CHECK(q.get(10s) == "late");
    producer.join();
}

TEST_CASE("threads putting into a bounded queue: each item once, never above maxsize" *
          doctest::timeout(60)) {
    constexpr std::size_t kMax = 20;
    constexpr int kThreads = 4, kEach = 2000;
    mpact::Queue<int> q(kMax);
    std::vector<std::thread> producers;
    for (int t = 0; t < kThreads; ++t) {
        producers.emplace_back([q, t] {
            for (int i = 0; i < kEach; ++i) q.put(t * kEach + i);
        });
    }
    std::set<int> seen;
    for (int i = 0; i < kThreads * kEach; ++i) {
        if (i % 16 == 0) REQUIRE(q.qsize() <= kMax);
        seen.insert(q.get(20s));
    }
    for (auto& t : producers) t.join();
    CHECK(seen.size() == std::size_t{kThreads} * kEach);
    CHECK(q.empty());
}

TEST_CASE("after close() this process can neither put nor get" * doctest::timeout(30)) {
    mpact::Queue<int> q;
    q.put(1);
    CHECK_THROWS_AS(q.join_thread(), mpact::ValueError);  // as Python: only after close()
    q.close();
    q.join_thread();
    CHECK_THROWS_AS(q.put(2), mpact::ValueError);
    CHECK_THROWS_AS(static_cast<void>(q.get(1s)), mpact::ValueError);
}

TEST_CASE("an item that does not decode raises ProtocolError, is counted, and the queue goes on" *
          doctest::timeout(30)) {
    mpact::Queue<std::string> strings;
    auto ints = mpact::Queue<int>::from_handle(strings.handle());  // same queue, wrong type
    strings.put("not an int");
    strings.put("fine");
    const auto refused = mpact::node_stats().refused;
    CHECK_THROWS_AS(static_cast<void>(ints.get(5s)), mpact::ProtocolError);
    CHECK(mpact::node_stats().refused == refused + 1);
    CHECK(strings.get(5s) == "fine");
    CHECK(mpact::node_stats().refused == refused + 1);
}

TEST_CASE("many threads put and get, and every item arrives exactly once" * doctest::timeout(60)) {
    mpact::Queue<int> q;
    constexpr int kThreads = 4, kEach = 5000;
    std::vector<std::thread> producers, consumers;
    std::mutex seen_mutex;
    std::multiset<int> seen;
    for (int t = 0; t < kThreads; ++t) {
        producers.emplace_back([q, t] {
            for (int i = 0; i < kEach; ++i) q.put(t * kEach + i);
        });
    }
    for (int t = 0; t < kThreads; ++t) {
        consumers.emplace_back([&, q] {
            std::vector<int> mine;
            for (int i = 0; i < kEach; ++i) mine.push_back(q.get(20s));
            std::lock_guard lock(seen_mutex);
            seen.insert(mine.begin(), mine.end());
        });
    }
    for (auto& t : producers) t.join();
    for (auto& t : consumers) t.join();
    REQUIRE(seen.size() == kThreads * kEach);
    std::set<int> unique(seen.begin(), seen.end());
    CHECK(unique.size() == seen.size());
}

TEST_CASE("JoinableQueue: join waits for task_done of every item" * doctest::timeout(30)) {
    mpact::JoinableQueue<int> q;
    CHECK(q.join(1s));  // nothing put: nothing to wait for
    q.put(1);
    q.put(2);
    CHECK_FALSE(q.join(100ms));
    CHECK(q.get(5s) == 1);
    q.task_done();
    CHECK_FALSE(q.join(100ms));
    CHECK(q.get(5s) == 2);
    std::thread worker([q] {
        std::this_thread::sleep_for(50ms);
        q.task_done();
    });
    q.join();
    worker.join();
    CHECK_THROWS_AS(q.task_done(), mpact::ValueError);  // more task_done() than items
}

TEST_CASE("SimpleQueue: put, get, empty, and get's timeout form" * doctest::timeout(30)) {
    mpact::SimpleQueue<std::string> q;
    CHECK(q.empty());
    q.put("x");
    CHECK_FALSE(q.empty());
    CHECK(q.get() == "x");
    CHECK(q.empty());
    CHECK_THROWS_AS(static_cast<void>(q.get(100ms)), mpact::Empty);
    q.put("y");
    CHECK(q.get(10s) == "y");
}
