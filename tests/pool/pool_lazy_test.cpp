// mpact::Pool's lazy, bounded imap (issue #17 point 3): any input range, endless ones too,
// read only on the consumer's thread and at most `buffersize` tasks ahead of the results it
// has taken; a dropped iterator stops its call; the input's exception comes out in place.
#include <mpact/pool.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <list>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

int twice(int x) {
    return 2 * x;
}
MPACT_TASK(twice);

// Appends a line to the file `path` (O_APPEND: whole lines from any worker), then naps:
// the file counts the tasks that ran.
int log_run(std::string path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
    if (fd >= 0) {
        static_cast<void>(::write(fd, "x\n", 2));
        ::close(fd);
    }
    std::this_thread::sleep_for(10ms);
    return 1;
}
MPACT_TASK(log_run);

int lines_of(const std::string& path) {
    std::ifstream in(path);
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
}

struct InputBroke : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace

TEST_CASE(
    "imap over std::views::iota(0): 10,000 results in order, then dropped, and the pool "
    "still serves" *
    doctest::timeout(120)) {
    mpact::Pool pool{{.processes = 2}};
    {
        auto it = pool.imap(twice, std::views::iota(0), 4);
        for (int i = 0; i < 10000; ++i) {
            auto v = it.next(30s);
            REQUIRE(v.has_value());
            REQUIRE(*v == 2 * i);
        }
    }  // dropped with its window still in flight
    CHECK(pool.map_async(twice, std::vector<int>{1, 2, 3}).get(30s) == std::vector<int>{2, 4, 6});
    pool.close();
    CHECK(pool.join(30s));
}

TEST_CASE("imap_unordered over an endless view gives 10,000 results, each exactly once" *
          doctest::timeout(120)) {
    mpact::Pool pool{{.processes = 2}};
    constexpr int n = 10000;
    constexpr std::size_t buffersize = 256;
    auto it =
        pool.imap_unordered(twice, std::views::iota(0), {.chunksize = 8, .buffersize = buffersize});
    // Taken results come from the first n + buffersize items: a seen-count per item.
    std::vector<int> seen(n + buffersize, 0);
    for (int i = 0; i < n; ++i) {
        auto v = it.next(30s);
        REQUIRE(v.has_value());
        REQUIRE(*v % 2 == 0);
        const auto x = static_cast<std::size_t>(*v / 2);
        REQUIRE(x < seen.size());
        REQUIRE(++seen[x] == 1);
    }
}

TEST_CASE(
    "the window holds: no more than buffersize items are read ahead of the results "
    "taken, and only on the consumer's thread" *
    doctest::timeout(120)) {
    mpact::Pool pool{{.processes = 2}};
    constexpr std::size_t buffersize = 40;
    constexpr std::size_t chunksize = 5;
    const auto consumer = std::this_thread::get_id();
    std::size_t pulled = 0;
    bool elsewhere = false;
    auto counted = std::views::iota(0) | std::views::transform([&](int x) {
                       ++pulled;
                       elsewhere = elsewhere || std::this_thread::get_id() != consumer;
                       return x;
                   });
    auto it = pool.imap(twice, counted, {.chunksize = chunksize, .buffersize = buffersize});
    CHECK(pulled >= chunksize);  // the first window is read at the call
    CHECK(pulled <= buffersize);
    std::size_t most_ahead = 0;
    for (std::size_t taken = 0; taken < 3000;) {
        auto v = it.next(30s);
        REQUIRE(v.has_value());
        REQUIRE(*v == 2 * static_cast<int>(taken));
        ++taken;
        REQUIRE(pulled <= taken + buffersize);
        most_ahead = std::max(most_ahead, pulled - taken);
    }
    CHECK_FALSE(elsewhere);
    CHECK(most_ahead > chunksize);  // it does read ahead, to keep the workers busy
    MESSAGE("items read ahead of the results taken: at most " << most_ahead);
}

TEST_CASE("buffersize below chunksize is a ValueError at the call, the pool intact" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 1}};
    std::size_t pulled = 0;
    auto counted = std::views::iota(0) | std::views::transform([&](int x) {
                       ++pulled;
                       return x;
                   });
    CHECK_THROWS_AS(static_cast<void>(pool.imap(twice, counted, {.chunksize = 8, .buffersize = 7})),
                    mpact::ValueError);
    CHECK_THROWS_AS(
        static_cast<void>(pool.imap_unordered(twice, counted, {.chunksize = 2, .buffersize = 1})),
        mpact::ValueError);
    CHECK(pulled == 0);
    auto it = pool.imap(twice, std::views::iota(0, 20), {.chunksize = 4, .buffersize = 4});
    for (int i = 0; i < 20; ++i) REQUIRE(it.next(30s) == 2 * i);
    CHECK(it.next(30s) == std::nullopt);
}

TEST_CASE(
    "workers SIGKILLed mid-stream: every result of an endless imap still comes once, "
    "in order" *
    doctest::timeout(120)) {
    mpact::Pool pool{{.processes = 2, .retries = 1000}};
    auto it = pool.imap(twice, std::views::iota(0), {.chunksize = 10, .buffersize = 200});
    int kills = 0;
    for (int i = 0; i < 6000; ++i) {
        if (i % 500 == 250) {  // kill a worker from here, mid-stream, every 500 results
            auto pids = pool.worker_pids();
            if (!pids.empty()) {
                ::kill(pids[static_cast<std::size_t>(kills) % pids.size()], SIGKILL);
                ++kills;
            }
        }
        auto v = it.next(30s);
        REQUIRE(v.has_value());
        REQUIRE(*v == 2 * i);
    }
    CHECK(kills >= 10);
    CHECK(pool.map_async(twice, std::vector<int>{5}).get(30s) == std::vector<int>{10});
}

TEST_CASE("an input that throws: the results before it, then its exception, then the end" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    for (bool ordered : {true, false}) {
        CAPTURE(ordered);
        int pulled = 0;
        auto breaking = std::views::iota(0) | std::views::transform([&](int x) {
                            ++pulled;
                            if (x == 37) throw InputBroke("item 37 is broken");
                            return x;
                        });
        auto it = ordered
                      ? pool.imap(twice, breaking, {.chunksize = 4, .buffersize = 16})
                      : pool.imap_unordered(twice, breaking, {.chunksize = 4, .buffersize = 16});
        std::vector<int> seen(37, 0);
        for (int i = 0; i < 37; ++i) {
            auto v = it.next(30s);
            REQUIRE(v.has_value());
            if (ordered) REQUIRE(*v == 2 * i);
            REQUIRE(*v / 2 < 37);
            REQUIRE(++seen[static_cast<std::size_t>(*v / 2)] == 1);
        }
        CHECK_THROWS_AS(static_cast<void>(it.next(30s)), InputBroke);
        CHECK(it.next(30s) == std::nullopt);
        CHECK(pulled == 38);  // not read past the item that threw
    }
    CHECK(pool.map(twice, std::vector<int>{1, 2}) == std::vector<int>{2, 4});
}

TEST_CASE(
    "containers still work: lvalue, temporary, a list, a filtered view, an empty "
    "one" *
    doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    const std::vector<int> xs{1, 2, 3, 4, 5};
    std::vector<int> got;
    for (int v : pool.imap(twice, xs, 2)) got.push_back(v);
    CHECK(got == std::vector<int>{2, 4, 6, 8, 10});
    got.clear();
    for (int v : pool.imap(twice, std::vector<int>{7, 8})) got.push_back(v);
    CHECK(got == std::vector<int>{14, 16});
    const std::list<int> list{3, 1, 2};
    got.clear();
    for (int v : pool.imap_unordered(twice, list)) got.push_back(v);
    std::sort(got.begin(), got.end());
    CHECK(got == std::vector<int>{2, 4, 6});
    got.clear();
    for (int v : pool.imap(twice, xs | std::views::filter([](int x) { return x % 2 == 1; })))
        got.push_back(v);
    CHECK(got == std::vector<int>{2, 6, 10});
    auto none = pool.imap(twice, std::vector<int>{});
    CHECK(none.next(30s) == std::nullopt);
}

TEST_CASE("a dropped imap drops its queued chunks: they never run" * doctest::timeout(60)) {
    char dir[] = "/tmp/mpact_lazy_XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    const std::string path = std::string(dir) + "/runs";
    constexpr std::size_t buffersize = 400;
    mpact::Pool pool{{.processes = 2}};
    {
        auto paths = std::views::iota(0) | std::views::transform([&](int) { return path; });
        auto it = pool.imap(log_run, paths, {.chunksize = 1, .buffersize = buffersize});
        REQUIRE(it.next(30s) == 1);
        REQUIRE(it.next(30s) == 1);
    }
    pool.close();
    REQUIRE(pool.join(60s));  // what was in the workers' hands finished
    const int ran = lines_of(path);
    MESSAGE("tasks run of the dropped imap's window of " << buffersize << ": " << ran);
    CHECK(ran >= 2);
    CHECK(ran < static_cast<int>(buffersize));  // the queued ones were dropped
    std::remove(path.c_str());
    ::rmdir(dir);
}

TEST_CASE("an imap open at close() still finishes, and join() waits for it" *
          doctest::timeout(60)) {
    mpact::Pool pool{{.processes = 2}};
    auto it = pool.imap(twice, std::views::iota(0, 1000), {.chunksize = 3, .buffersize = 30});
    pool.close();
    CHECK_THROWS_AS(static_cast<void>(pool.imap(twice, std::vector<int>{1})), mpact::ValueError);
    CHECK_FALSE(pool.join(200ms));  // the input is not all read: the pool keeps its workers
    for (int i = 0; i < 1000; ++i) REQUIRE(it.next(30s) == 2 * i);
    CHECK(it.next(30s) == std::nullopt);
    CHECK(pool.join(30s));
}

TEST_CASE("an imap outliving its pool ends with WorkerLostError, not a hang" *
          doctest::timeout(60)) {
    std::optional<mpact::Pool> pool;
    pool.emplace(mpact::PoolOptions{.processes = 2});
    auto it = pool->imap(twice, std::views::iota(0), {.chunksize = 2, .buffersize = 20});
    for (int i = 0; i < 10; ++i) REQUIRE(it.next(30s) == 2 * i);
    pool.reset();  // terminates
    bool lost = false;
    for (int i = 0; i < 100 && !lost; ++i) {  // what had arrived, then the end of the pool
        std::optional<int> v;
        try {
            v = it.next(30s);
        } catch (const mpact::WorkerLostError&) {
            lost = true;
            break;
        }
        REQUIRE(v.has_value());
    }
    CHECK(lost);
}
