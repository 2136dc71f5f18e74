// mpact::Pool at scale (issue #3): a map of 1,000,000 tasks, a pool of 64 workers on a
// 2-core machine, and a parent whose memory does not grow with completed tasks.
// Under the sanitizers the task counts are divided by MPACT_SCALE_DIVISOR (set by
// tests.cmake) so each case stays well under a minute; the behaviour checked is the same.
#include <mpact/pool.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
// From libasan (<sanitizer/allocator_interface.h>, which g++ does not ship): empties the
// quarantine and returns free memory to the OS.
extern "C" void __sanitizer_purge_allocator();
#endif

#ifndef MPACT_SCALE_DIVISOR
#define MPACT_SCALE_DIVISOR 1
#endif

using namespace std::chrono_literals;

namespace {

constexpr int kDivisor = MPACT_SCALE_DIVISOR;

int twice(int x) {
    return 2 * x;
}
MPACT_TASK(twice);
int pid_of_worker(int) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));  // spread work over workers
    return static_cast<int>(::getpid());
}
MPACT_TASK(pid_of_worker);

// A line of /proc/self/status ("VmRSS", "VmHWM") in KiB.
std::int64_t status_kib(const std::string& field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
    }
    return -1;
}

// The parent's resident memory now, in KiB. Under ASan, freed blocks sit in its quarantine
// (up to 256 MiB) until purged: purge first, or every free would look like growth.
std::int64_t rss_kib() {
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_purge_allocator();
#endif
    return status_kib("VmRSS");
}

}  // namespace

TEST_CASE("a map of 1,000,000 tasks returns every result in order" * doctest::timeout(120)) {
    const int n = 1'000'000;  // full size under the sanitizers too: a few seconds
    mpact::Pool pool{{.processes = 2}};
    std::vector<int> xs(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) xs[static_cast<std::size_t>(i)] = i;
    auto t0 = std::chrono::steady_clock::now();
    auto ys = pool.map_async(twice, xs).get(100s);
    auto dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    MESSAGE("map of " << n << " tasks (default chunksize): " << dt << " s");
    REQUIRE(ys.size() == xs.size());
    int wrong = 0;
    for (int i = 0; i < n; ++i) wrong += ys[static_cast<std::size_t>(i)] == 2 * i ? 0 : 1;
    CHECK(wrong == 0);
    pool.close();
    pool.join();
}

TEST_CASE("imap_unordered of 1,000,000 tasks delivers each result exactly once" *
          doctest::timeout(120)) {
    const int n = 1'000'000 / kDivisor;
    mpact::Pool pool{{.processes = 2}};
    std::vector<int> xs(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) xs[static_cast<std::size_t>(i)] = i;
    std::vector<std::uint8_t> seen(static_cast<std::size_t>(n), 0);
    int count = 0, odd = 0;
    auto t0 = std::chrono::steady_clock::now();
    auto it = pool.imap_unordered(twice, xs, 100);
    while (auto v = it.next(60s)) {
        ++count;
        if (*v % 2 != 0 || *v < 0 || *v / 2 >= n) {
            ++odd;
        } else {
            ++seen[static_cast<std::size_t>(*v / 2)];
        }
    }
    auto dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    MESSAGE("imap_unordered of " << n << " tasks (chunksize 100): " << dt << " s");
    CHECK(count == n);
    CHECK(odd == 0);
    CHECK(std::count(seen.begin(), seen.end(), std::uint8_t{1}) == n);
    pool.close();
    pool.join();
}

TEST_CASE("a pool of 64 workers on this 2-core machine maps work and ends at its size" *
          doctest::timeout(120)) {
    const int workers = 64;
    const int n = 6400 / kDivisor;
    mpact::Pool pool{{.processes = workers}};
    std::vector<int> xs(static_cast<std::size_t>(n), 0);
    auto pids = pool.map_async(pid_of_worker, xs, 1).get(100s);
    REQUIRE(pids.size() == xs.size());
    std::set<int> distinct(pids.begin(), pids.end());
    MESSAGE(n << " tasks ran in " << distinct.size() << " of " << workers << " workers");
    CHECK(distinct.size() > 1);
    CHECK(distinct.count(static_cast<int>(::getpid())) == 0);
    CHECK(mpact::test::eventually([&] { return pool.worker_pids().size() == workers; }, 30s));
    auto live = pool.worker_pids();
    for (int pid : distinct) CHECK(std::find(live.begin(), live.end(), pid) != live.end());
    CHECK(pool.map_async(twice, std::vector<int>{1, 2, 3}).get(30s) == std::vector<int>{2, 4, 6});
    pool.close();
    pool.join();
    CHECK(pool.worker_pids().empty());
}

TEST_CASE("the parent's memory does not grow with completed tasks" * doctest::timeout(120)) {
    // 20 rounds of 100,000 tasks through imap_unordered: the memory held after 200,000
    // completed tasks must be (about) what is held after 2,000,000.
    const int per_round = 100'000 / kDivisor;
    const int rounds = 20;
    mpact::Pool pool{{.processes = 2}};
    std::vector<int> xs(static_cast<std::size_t>(per_round));
    for (int i = 0; i < per_round; ++i) xs[static_cast<std::size_t>(i)] = i;
    std::vector<std::int64_t> rss;  // KiB after each round
    for (int r = 0; r < rounds; ++r) {
        std::int64_t sum = 0;
        for (auto it = pool.imap_unordered(twice, xs, 10); auto v = it.next(60s);) sum += *v;
        REQUIRE(sum == std::int64_t{per_round} * (per_round - 1));
        rss.push_back(rss_kib());
    }
    std::string series;
    for (auto kib : rss) series += std::to_string(kib / 1024) + " ";
    MESSAGE("parent VmRSS (MiB) after each round of " << per_round << " tasks: " << series
                                                      << "; VmHWM " << status_kib("VmHWM") / 1024
                                                      << " MiB");
    const auto after_two = rss[1];                              // 200,000 tasks done
    const auto after_all = rss.back();                          // 2,000,000 tasks done
    CHECK(after_all <= after_two + after_two / 4 + 16 * 1024);  // generous: no per-task growth
    pool.close();
    pool.join();
}
