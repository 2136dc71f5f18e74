// The busy-poll (PipeOptions::spin, 50 us by default) within one process: messages, EOF and
// timeouts behave exactly as without it; the spin is bounded by the timeout and by its
// budget. No assertion here is about speed.
#include <mpact/errors.hpp>
#include <mpact/node.hpp>
#include <mpact/pipe.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {

// A budget far longer than any timeout below: a wait that ends early was not spinning on.
constexpr mpact::Duration kLongSpin = 30s;

int allowed_cpus() {
    cpu_set_t set;
    CPU_ZERO(&set);
    return ::sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 0;
}

pid_t this_thread_id() {
    return static_cast<pid_t>(::syscall(SYS_gettid));
}

// True while thread `tid` of this process sleeps in the kernel (state S in its stat file),
// i.e. it is blocked, not spinning.
bool sleeping(pid_t tid) {
    std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto paren = text.rfind(')');
    return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'S';
}

// Runs `body` on a thread that records its id first; join() waits for it.
class Receiver {
  public:
    template <class Body>
    explicit Receiver(Body body)
        : thread_([this, body]() mutable {
              tid_ = this_thread_id();
              body();
          }) {}
    ~Receiver() { join(); }
    void join() {
        if (thread_.joinable()) thread_.join();
    }
    // True once the receiver blocks in the kernel (its spin budget spent).
    bool blocked() const { return tid_ != 0 && sleeping(tid_); }

  private:
    std::atomic<pid_t> tid_{0};
    std::thread thread_;
};

}  // namespace

TEST_CASE("pipe() gives both ends the spin budget, copies share it, the default is 50 us" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe({.duplex = true, .spin = 20us});
    CHECK(a.spin() == 20us);
    CHECK(b.spin() == 20us);
    auto copy = b;
    CHECK(copy.spin() == 20us);
    auto [r, w] = mpact::pipe({.duplex = false, .spin = 5us});
    CHECK(r.spin() == 5us);
    CHECK(w.spin() == 5us);
    auto [c, d] = mpact::pipe();
    const auto expected = allowed_cpus() == 1 ? 0us : 50us;  // see the next case
    CHECK(c.spin() == expected);
    CHECK(d.spin() == expected);
    auto [g, h] = mpact::pipe({.spin = 0us});  // Python's behaviour: always block
    CHECK(g.spin() == mpact::Duration::zero());
    auto [e, f] = mpact::pipe({.spin = -1s});  // negative: never spin
    CHECK(e.spin() == mpact::Duration::zero());
    CHECK(mpact::Connection{}.spin() == mpact::Duration::zero());
}

TEST_CASE("a process allowed on one CPU does not spin by default, and MPACT_SPIN_US still rules" *
          doctest::timeout(30)) {
    for (const char* env : {static_cast<const char*>(nullptr), "7"}) {
        CAPTURE(env == nullptr ? "unset" : env);
        pid_t pid = mpact::test::fork_child([env] {
            if (env == nullptr) {
                ::unsetenv("MPACT_SPIN_US");
            } else {
                ::setenv("MPACT_SPIN_US", env, 1);
            }
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(::sched_getcpu(), &one);
            if (::sched_setaffinity(0, sizeof(one), &one) != 0) return 3;
            auto [a, b] = mpact::pipe();
            const auto want = env == nullptr ? mpact::Duration::zero() : mpact::Duration(7us);
            return a.spin() == want && mpact::default_spin() == want ? 0 : 1;
        });
        mpact::test::ChildGuard guard(pid);
        int status = mpact::test::wait_child(pid);
        guard.release(pid);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
}

TEST_CASE("with spin, many messages arrive complete and in order, both ways" *
          doctest::timeout(60)) {
    auto [a, b] = mpact::pipe({.spin = 20us});
    constexpr int n = 20000;
    std::thread echo([b = b]() mutable {
        while (auto x = b.recv<std::optional<int>>()) b.send(*x);
        b.send(std::string(100000, 'z'));
    });
    for (int i = 0; i < n; ++i) {
        a.send(std::optional<int>(i));
        REQUIRE(a.recv<int>(30s) == i);
    }
    for (int i = 0; i < 100; ++i) a.send(std::optional<int>(i));  // queued, then echoed
    for (int i = 0; i < 100; ++i) REQUIRE(a.recv<int>() == i);
    a.send(std::optional<int>());
    CHECK(a.recv<std::string>(30s) == std::string(100000, 'z'));
    echo.join();
}

TEST_CASE(
    "with spin, recv with a timeout shorter than the spin raises TimeoutError at the "
    "timeout" *
    doctest::timeout(30)) {
    std::string buffer(16, '\0');
    for (int form = 0; form < 3; ++form) {
        CAPTURE(form);
        auto [a, b] = mpact::pipe({.spin = kLongSpin});
        auto start = std::chrono::steady_clock::now();
        if (form == 0) {
            CHECK_THROWS_AS(static_cast<void>(b.recv<int>(100ms)), mpact::TimeoutError);
        } else if (form == 1) {
            CHECK_THROWS_AS(static_cast<void>(b.recv_bytes(100ms)), mpact::TimeoutError);
        } else {
            CHECK_THROWS_AS(static_cast<void>(b.recv_bytes_into(100ms, buffer)),
                            mpact::TimeoutError);
        }
        auto waited = std::chrono::steady_clock::now() - start;
        CHECK(waited >= 95ms);
        CHECK(waited < 10s);  // the timeout, not the 30 s budget, ended the wait
        a.send(3);
        CHECK(b.recv<int>(10s) == 3);
    }
}

TEST_CASE(
    "with spin, recv with a timeout longer than the spin raises TimeoutError at the "
    "timeout" *
    doctest::timeout(30)) {
    auto [a, b] = mpact::pipe({.spin = 1ms});
    auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(static_cast<void>(b.recv<int>(200ms)), mpact::TimeoutError);
    CHECK(std::chrono::steady_clock::now() - start >= 190ms);
    a.send(4);
    CHECK(b.recv<int>(10s) == 4);
}

TEST_CASE("with spin, a message sent while the receiver spins or after it blocked arrives" *
          doctest::timeout(60)) {
    // Spinning: with a 30 s budget the receiver cannot have blocked before we send.
    auto [a, b] = mpact::pipe({.spin = kLongSpin});
    std::atomic<bool> got{false};
    {
        Receiver spinning([&, b = b]() mutable { got = b.recv<int>(30s) == 5 && b.poll(10s); });
        a.send(5);
        a.send(6);
    }
    CHECK(got);
    CHECK(b.recv<int>() == 6);

    // Blocked: with a 1 ms budget the receiver soon sleeps in the kernel; then we send.
    auto [c, d] = mpact::pipe({.spin = 1ms});
    got = false;
    Receiver blocking([&, d = d]() mutable { got = d.recv<int>() == 7; });
    CHECK(mpact::test::eventually([&] { return blocking.blocked(); }));
    c.send(7);  // sent even if the check failed, so the receiver ends
    blocking.join();
    CHECK(got);
}

TEST_CASE("with spin, EOFError comes after the last message, whether spinning or blocked" *
          doctest::timeout(60)) {
    auto [a, b] = mpact::pipe({.spin = kLongSpin});
    // Few messages: close() waits (at most 1 s) for room to add its end-of-stream mark.
    for (int i = 0; i < 20; ++i) a.send(i);
    a.close();
    for (int i = 0; i < 20; ++i) REQUIRE(b.recv<int>() == i);
    CHECK(b.poll(1s));  // EOF is "ready"
    CHECK_THROWS_AS(static_cast<void>(b.recv<int>()), mpact::EOFError);
    CHECK_THROWS_AS(static_cast<void>(b.recv<int>(1s)), mpact::EOFError);
    CHECK_THROWS_AS(static_cast<void>(b.recv_bytes()), mpact::EOFError);

    // The peer's last copy goes while the receiver spins (a 30 s budget, no timeout).
    auto [c, d] = mpact::pipe({.spin = kLongSpin});
    std::atomic<bool> eof{false};
    {
        Receiver spinning([&, d = d]() mutable {
            try {
                static_cast<void>(d.recv<int>());
            } catch (const mpact::EOFError&) {
                eof = true;
            }
        });
        c = mpact::Connection{};  // never sent: the kernel's EOF, no end-of-stream mark
    }
    CHECK(eof);

    // The peer closes after the receiver blocked (a 1 ms budget).
    auto [e, f] = mpact::pipe({.spin = 1ms});
    eof = false;
    Receiver blocking([&, f = f]() mutable {
        try {
            static_cast<void>(f.recv<int>(30s));
        } catch (const mpact::EOFError&) {
            eof = true;
        }
    });
    CHECK(mpact::test::eventually([&] { return blocking.blocked(); }));
    e.close();
    blocking.join();
    CHECK(eof);
}

TEST_CASE("with spin, a receive after a spin that ran out blocks without spinning" *
          doctest::timeout(60)) {
    // Spinning that does not pay is skipped: after a spin that used its whole budget in
    // vain, the next receive blocks at once; the message still arrives.
    auto [a, b] = mpact::pipe({.spin = 1s});
    CHECK_FALSE(b.poll(1500ms));  // spins 1 s (a miss), then waits the rest
    std::atomic<bool> got{false};
    Receiver next([&, b = b]() mutable { got = b.recv<int>() == 8; });
    // Blocked well before a spin could have ended: the budget is twice this bound.
    CHECK(mpact::test::eventually([&] { return next.blocked(); }, 500ms));
    a.send(8);  // sent even if the check failed, so the receiver ends
    next.join();
    CHECK(got);
    a.send(9);  // the skip is used up: this receive spins again, and finds it
    CHECK(b.recv<int>(10s) == 9);
}
