// Actors in one process: typed handlers, replies, deferred replies, errors, monitors.
#include <mpact/actor.hpp>
#include <mpact/errors.hpp>
#include <mpact/node.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct Add {
    int n = 0;
    MSGPACK_DEFINE(n)
};
struct Get {
    MSGPACK_DEFINE()
};
struct Fail {
    std::string what;
    MSGPACK_DEFINE(what)
};
struct WaitForAdd {
    MSGPACK_DEFINE()
};
struct CountWaiting {
    MSGPACK_DEFINE()
};
struct Quit {
    MSGPACK_DEFINE()
};

struct Counter : mpact::Actor {
    int value = 0;
    std::vector<mpact::Reply<int>> waiting;
    Counter() {
        handle([this](const Add& a) {
            value += a.n;
            for (auto& reply : waiting) reply(value);
            waiting.clear();
        });
        handle([this](const Get&) { return value; });
        handle([](const Fail& f) -> int {
            if (f.what == "empty") throw mpact::Empty("nothing here");
            throw std::out_of_range(f.what);
        });
        handle([this](const WaitForAdd&, mpact::Reply<int> reply) {
            waiting.push_back(std::move(reply));
        });
        handle([this](const CountWaiting&) { return waiting.size(); });
        handle([this](const Quit&) { stop("asked to quit"); });
    }
};

}  // namespace

TEST_CASE("a request gets the handler's return value" * doctest::timeout(30)) {
    auto counter = mpact::spawn<Counter>();
    counter.send(Add{2});
    counter.send(Add{3});
    CHECK(counter.request<int>(Get{}, 5s) == 5);
    CHECK(counter.request<int>(Get{}) == 5);
}

TEST_CASE("one-way messages from one thread arrive in order" * doctest::timeout(30)) {
    auto counter = mpact::spawn<Counter>();
    for (int i = 0; i < 10000; ++i) counter.send(Add{1});
    CHECK(counter.request<int>(Get{}, 10s) == 10000);
}

TEST_CASE("many threads can request the same actor at once" * doctest::timeout(30)) {
    auto counter = mpact::spawn<Counter>();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([counter] {
            for (int i = 0; i < 500; ++i) counter.request(Add{1}, 10s);
        });
    }
    for (auto& t : threads) t.join();
    CHECK(counter.request<int>(Get{}, 5s) == 2000);
}

TEST_CASE("a handler's mpact error arrives as its own type" * doctest::timeout(30)) {
    auto counter = mpact::spawn<Counter>();
    CHECK_THROWS_AS(static_cast<void>(counter.request<int>(Fail{"empty"}, 5s)), mpact::Empty);
}

TEST_CASE("a handler's std exception arrives as RemoteError naming its type" *
          doctest::timeout(30)) {
    auto counter = mpact::spawn<Counter>();
    try {
        static_cast<void>(counter.request<int>(Fail{"index 7"}, 5s));
        FAIL("expected RemoteError");
    } catch (const mpact::RemoteError& e) {
        CHECK(e.remote_type() == "std::out_of_range");
        CHECK(e.remote_message() == "index 7");
    }
    CHECK(counter.request<int>(Get{}, 5s) == 0);  // the actor goes on
}

TEST_CASE("a deferred reply is given when the awaited event happens" * doctest::timeout(30)) {
    auto counter = mpact::spawn<Counter>();
    std::optional<int> got;
    std::thread waiter([&] { got = counter.request<int>(WaitForAdd{}, 10s); });
    // The waiter's request must be parked before the Add: wait for the actor to have it.
    REQUIRE(mpact::test::eventually(
        [&] { return counter.request<std::size_t>(CountWaiting{}, 5s) == 1; }));
    counter.send(Add{7});
    waiter.join();
    REQUIRE(got.has_value());
    CHECK(*got == 7);
}

TEST_CASE("a request times out with TimeoutError when no reply comes" * doctest::timeout(30)) {
    auto counter = mpact::spawn<Counter>();
    auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(static_cast<void>(counter.request<int>(WaitForAdd{}, 200ms)),
                    mpact::TimeoutError);
    CHECK(std::chrono::steady_clock::now() - start >= 200ms);
    CHECK(counter.request<int>(Get{}, 5s) == 0);  // the stale reply is not taken for this one
}

TEST_CASE("a message type the actor does not handle is a ProtocolError" * doctest::timeout(30)) {
    auto counter = mpact::spawn<Counter>();
    CHECK_THROWS_AS(static_cast<void>(counter.request<int>(std::string("hello"), 5s)),
                    mpact::ProtocolError);
}

TEST_CASE("a request to a name nobody has fails with ActorDownError" * doctest::timeout(30)) {
    mpact::ActorRef nobody(mpact::node_endpoint(), "nobody-here");
    CHECK_THROWS_AS(static_cast<void>(nobody.request<int>(Get{}, 5s)), mpact::ActorDownError);
}

TEST_CASE("a stopped actor's monitor reports the reason" * doctest::timeout(30)) {
    auto counter = mpact::spawn<Counter>();
    auto monitor = counter.monitor();
    CHECK_FALSE(monitor.wait(50ms).has_value());
    counter.send(Quit{});
    auto down = monitor.wait(10s);
    REQUIRE(down.has_value());
    CHECK(down->reason == "asked to quit");
    CHECK_THROWS_AS(static_cast<void>(counter.request<int>(Get{}, 5s)), mpact::ActorDownError);
}

TEST_CASE("waiting requests fail when their actor stops before replying" * doctest::timeout(30)) {
    auto counter = mpact::spawn<Counter>();
    std::optional<std::string> error;
    std::thread waiter([&] {
        try {
            static_cast<void>(counter.request<int>(WaitForAdd{}, 10s));
        } catch (const mpact::ActorDownError& e) {
            error = e.what();
        }
    });
    CHECK(counter.stop(10s));
    waiter.join();
    CHECK(error.has_value());
}

TEST_CASE("two actors cannot share a name" * doctest::timeout(30)) {
    static_cast<void>(mpact::spawn_named<Counter>("unique-counter"));
    CHECK_THROWS_AS(static_cast<void>(mpact::spawn_named<Counter>("unique-counter")),
                    mpact::ValueError);
}

namespace {

struct Append {
    int i = 0;
    MSGPACK_DEFINE(i)
};
struct Size {
    MSGPACK_DEFINE()
};
struct Log {
    MSGPACK_DEFINE()
};
struct Note {
    MSGPACK_DEFINE()
};
struct Senders {
    MSGPACK_DEFINE()
};
struct Burst {
    mpact::ActorRef to;
    int n = 0;
    MSGPACK_DEFINE(to, n)
};

std::atomic<int> g_ticks{0};

struct Recorder : mpact::Actor {
    std::vector<int> log;
    std::vector<std::string> senders;
    Recorder() {
        handle([this](const Append& a) { log.push_back(a.i); });
        handle([this](const Size&) { return log.size(); });
        handle([this](const Log&) { return log; });
        handle([this](const Note&) {
            ++g_ticks;
            senders.push_back(sender().name());
        });
        handle([this](const Senders&) { return senders; });
        handle([](const Burst& b) {
            for (int i = 0; i < b.n; ++i) b.to.send(Note{});
        });
    }
};

}  // namespace

TEST_CASE("one thread's sends and requests to an actor are handled in the order made" *
          doctest::timeout(30)) {
    auto recorder = mpact::spawn<Recorder>();
    constexpr int kCount = 20000;
    for (int i = 0; i < kCount; ++i) {
        recorder.send(Append{i});
        // A request never overtakes the sends before it, batched or not.
        if (i % 997 == 0) REQUIRE(recorder.request<std::size_t>(Size{}, 10s) == std::size_t(i) + 1);
    }
    auto log = recorder.request<std::vector<int>>(Log{}, 10s);
    REQUIRE(log.size() == std::size_t(kCount));
    bool in_order = true;
    for (int i = 0; i < kCount; ++i) in_order = in_order && log[std::size_t(i)] == i;
    CHECK(in_order);
}

TEST_CASE("the tail of a burst arrives while the sender blocks on something else" *
          doctest::timeout(30)) {
    auto recorder = mpact::spawn<Recorder>();
    const int before = g_ticks.load();
    for (int i = 0; i < 5000; ++i) recorder.send(Note{});
    // No request, no flush(): the node must send what the batch still holds by itself.
    CHECK(mpact::test::eventually([&] { return g_ticks.load() == before + 5000; }, 5s));
}

TEST_CASE("a single send goes out at once" * doctest::timeout(30)) {
    auto recorder = mpact::spawn<Recorder>();
    for (int round = 0; round < 20; ++round) {
        const int before = g_ticks.load();
        recorder.send(Note{});
        CHECK(mpact::test::eventually([&] { return g_ticks.load() == before + 1; }, 5s));
    }
}

TEST_CASE("every one-way message of a thread that ends right after sending arrives" *
          doctest::timeout(30)) {
    auto recorder = mpact::spawn<Recorder>();
    std::thread producer([recorder] {
        for (int i = 0; i < 30000; ++i) recorder.send(Append{i});
    });
    producer.join();
    // The thread's exit sent its batch and had the node confirm it: nothing to wait for.
    CHECK(recorder.request<std::size_t>(Size{}, 10s) == 30000);
}

TEST_CASE("messages an actor sends in a burst carry it as sender()" * doctest::timeout(30)) {
    auto target = mpact::spawn<Recorder>();
    auto relay = mpact::spawn<Recorder>();
    relay.send(Burst{target, 3000});
    std::vector<std::string> senders;
    REQUIRE(mpact::test::eventually([&] {
        senders = target.request<std::vector<std::string>>(Senders{}, 5s);
        return senders.size() == 3000;
    }));
    bool all_relay = true;
    for (const auto& s : senders) all_relay = all_relay && s == relay.name();
    CHECK(all_relay);
}

TEST_CASE("flush() hands a thread's held messages over at once" * doctest::timeout(30)) {
    auto recorder = mpact::spawn<Recorder>();
    for (int i = 0; i < 1000; ++i) recorder.send(Append{i});
    mpact::flush();
    CHECK(mpact::test::eventually([&] { return recorder.request<std::size_t>(Size{}, 5s) == 1000; },
                                  5s));
}
