// mpact::Listener / mpact::Client: Python's wire form and handshake, the happy paths over
// AF_UNIX and TCP loopback and the unhappy ones (wrong key, garbage, dead peer). CPython's
// _TestListener / _TestListenerClient scenarios, translated (python-mp.md §3, A-1..A-5).
#include <mpact/detail/connection_auth.hpp>
#include <mpact/errors.hpp>
#include <mpact/listener.hpp>
#include <mpact/pipe.hpp>
#include <mpact/wait.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {

std::string unhex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
    return out;
}

std::string range_bytes(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>(i);
    return s;
}

// Sends and receives over both ends of a fresh Listener/Client pair at `address`.
void round_trip(const std::string& address, std::optional<std::string> key) {
    mpact::Listener l{address, {.authkey = key}};
    std::string seen;
    std::thread client([&] {
        auto c = mpact::Client(l.address(), {.authkey = key});
        c.send_bytes("hello");
        seen = c.recv_bytes(10s);
        c.close();
    });
    auto c = l.accept(10s);
    CHECK(c.framing() == mpact::Framing::python);
    CHECK(c.recv_bytes(10s) == "hello");
    c.send_bytes(std::string(100000, 'x'));
    client.join();
    CHECK(seen == std::string(100000, 'x'));
    CHECK_THROWS_AS(static_cast<void>(c.recv_bytes(10s)), mpact::EOFError);
    REQUIRE(l.last_accepted().has_value());
}

}  // namespace

TEST_CASE("Listener and Client exchange bytes over AF_UNIX, with and without an authkey" *
          doctest::timeout(30)) {
    round_trip("", std::nullopt);
    round_trip("", std::string("secret"));
    auto path = "/tmp/mpact-listener-test-" + std::to_string(::getpid());
    round_trip("ipc://" + path, std::string("k"));
    round_trip(path, std::string(""));  // an empty key is a key (bpo-43952)
    struct stat st {};
    CHECK(::stat(path.c_str(), &st) != 0);  // close() removed the socket file
}

TEST_CASE("Listener and Client exchange bytes over TCP loopback, port 0 picks one" *
          doctest::timeout(30)) {
    mpact::Listener probe{"tcp://127.0.0.1:0"};
    CHECK(probe.address().rfind("tcp://127.0.0.1:", 0) == 0);
    CHECK(probe.address() != "tcp://127.0.0.1:0");
    probe.close();
    round_trip("tcp://127.0.0.1:0", std::string("secret"));
    round_trip("tcp://localhost:0", std::nullopt);
    mpact::Listener l{"127.0.0.1", 0, {.authkey = std::string("k")}};
    auto port =
        static_cast<std::uint16_t>(std::stoi(l.address().substr(l.address().rfind(':') + 1)));
    std::thread t([&] {
        auto c = mpact::Client("127.0.0.1", port, {.authkey = std::string("k")});
        c.send_bytes("1729");
    });
    auto c = l.accept(10s);
    CHECK(c.recv_bytes(10s) == "1729");
    t.join();
    REQUIRE(l.last_accepted());
    CHECK(l.last_accepted()->rfind("tcp://127.0.0.1:", 0) == 0);
}

TEST_CASE("accept times out, the same address twice is OSError, accept after close is OSError" *
          doctest::timeout(30)) {
    mpact::Listener l{};
    CHECK(l.address().rfind("ipc://", 0) == 0);
    CHECK_FALSE(l.last_accepted().has_value());
    CHECK_THROWS_AS(static_cast<void>(l.accept(50ms)), mpact::TimeoutError);
    try {
        mpact::Listener again{l.address()};
        FAIL("bound twice");
    } catch (const mpact::OSError& e) {
        CHECK(e.error_number() == EADDRINUSE);
    }
    mpact::Listener tcp{"tcp://127.0.0.1:0"};
    CHECK_THROWS_AS(mpact::Listener(tcp.address()), mpact::OSError);
    l.close();
    l.close();
    CHECK(l.closed());
    CHECK_THROWS_AS(static_cast<void>(l.accept(10ms)), mpact::OSError);
    CHECK_THROWS_AS(static_cast<void>(mpact::Client(l.address(), {.timeout = 1s})), mpact::OSError);
    auto port = tcp.address();
    tcp.close();
    CHECK_THROWS_AS(static_cast<void>(mpact::Client(port, {.timeout = 1s})),
                    mpact::ConnectionRefusedError);
    CHECK_THROWS_AS(mpact::Listener("udp://x:1"), mpact::ValueError);
    CHECK_THROWS_AS(mpact::Listener("tcp://127.0.0.1"), mpact::ValueError);
    CHECK_THROWS_AS(mpact::Listener(std::string(200, 'p')), mpact::ValueError);
}

TEST_CASE("a wrong authkey is AuthenticationError on both sides and nothing is delivered" *
          doctest::timeout(30)) {
    for (const char* address : {"", "tcp://127.0.0.1:0"}) {
        mpact::Listener l{address, {.authkey = std::string("k1")}};
        bool client_refused = false;
        std::thread t([&] {
            try {
                auto c = mpact::Client(l.address(), {.authkey = std::string("WRONG")});
                c.send_bytes("must not arrive");
            } catch (const mpact::AuthenticationError&) {
                client_refused = true;
            }
        });
        CHECK_THROWS_AS(static_cast<void>(l.accept(10s)), mpact::AuthenticationError);
        t.join();
        CHECK(client_refused);
        // A key on one side only: the keyless client does not answer the challenge.
        std::thread keyless([&] {
            auto c = mpact::Client(l.address());
            c.send_bytes("no key");
            static_cast<void>(c.poll(5s));
        });
        CHECK_THROWS_AS(static_cast<void>(l.accept(10s)), mpact::AuthenticationError);
        keyless.join();
    }
}

TEST_CASE(
    "garbage, silence or a huge message in the handshake is refused, the listener keeps serving" *
    doctest::timeout(30)) {
    mpact::Listener l{"", {.authkey = std::string("k"), .handshake_timeout = 300ms}};
    auto raw = [&] {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        auto path = l.address().substr(6);
        std::memcpy(sun.sun_path, path.data(), path.size());
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0);
        return fd;
    };
    // Garbage framed as a Python message (wrong length answer).
    int a = raw();
    const char garbage[] = "\x00\x00\x00\x05hello";
    REQUIRE(::write(a, garbage, 9) == 9);
    CHECK_THROWS_AS(static_cast<void>(l.accept(10s)), mpact::AuthenticationError);
    ::close(a);
    // A length over Python's 256-byte handshake limit.
    int b = raw();
    const char huge[] = "\x00\x10\x00\x00";
    REQUIRE(::write(b, huge, 4) == 4);
    CHECK_THROWS_AS(static_cast<void>(l.accept(10s)), mpact::AuthenticationError);
    ::close(b);
    // Silence: bounded by handshake_timeout.
    int s = raw();
    CHECK_THROWS_AS(static_cast<void>(l.accept(10s)), mpact::AuthenticationError);
    // A peer that hangs up mid-handshake.
    int d = raw();
    ::close(d);
    CHECK_THROWS_AS(static_cast<void>(l.accept(10s)), mpact::EOFError);
    ::close(s);
    std::thread good(
        [&] { mpact::Client(l.address(), {.authkey = std::string("k")}).send_bytes("ok"); });
    CHECK(l.accept(10s).recv_bytes(10s) == "ok");
    good.join();
}

TEST_CASE(
    "a client that sends and closes before accept is still heard, a server that sends at once is "
    "polled" *
    doctest::timeout(30)) {
    mpact::Listener l{"", {.authkey = std::string("k")}};
    // Python's test_issue14725 needs the handshake to run at accept: ours does the same, so
    // the client's handshake waits for accept and then sends.
    std::thread t([&] {
        auto c = mpact::Client(l.address(), {.authkey = std::string("k")});
        c.send_bytes("hello");
        c.close();
    });
    auto c = l.accept(10s);
    t.join();
    CHECK(c.recv_bytes(10s) == "hello");
    mpact::Listener plain{};
    auto early = mpact::Client(plain.address());  // no key: connected before accept
    early.send_bytes("before accept");
    early.close();
    CHECK(plain.accept(10s).recv_bytes(10s) == "before accept");
    // test_issue16955: the server sends immediately; the client's poll(1) is true.
    std::thread server([&] { plain.accept(10s).send_bytes("now"); });
    auto client = mpact::Client(plain.address());
    CHECK(client.poll(10s));
    CHECK(client.recv_bytes() == "now");
    server.join();
}

TEST_CASE("a SIGKILLed peer is EOFError, not a hang" * doctest::timeout(30)) {
    mpact::Listener l{"tcp://127.0.0.1:0", {.authkey = std::string("k")}};
    const auto address = l.address();
    pid_t pid = mpact::test::fork_child([&] {
        auto c = mpact::Client(address, {.authkey = std::string("k")});
        c.send_bytes("last words");
        static_cast<void>(c.poll(30s));  // until the parent has read them
        ::raise(SIGKILL);
        return 0;
    });
    mpact::test::ChildGuard guard(pid);
    auto c = l.accept(10s);
    CHECK(c.recv_bytes(10s) == "last words");
    c.send_bytes("die");
    CHECK_THROWS_AS(static_cast<void>(c.recv_bytes(10s)), mpact::EOFError);
    CHECK(mpact::test::wait_child(pid) != -1);
    guard.release(pid);
}

TEST_CASE("the handshake matches Python's: 3.12+ {sha256} vectors and the legacy HMAC-MD5 form" *
          doctest::timeout(30)) {
    namespace auth = mpact::detail::auth;
    const std::string key = "mpact test key";
    // Computed with Python's hmac module:
    //   m = b'{sha256}' + bytes(range(40))
    //   b'{sha256}' + hmac.new(b'mpact test key', m, 'sha256').digest()
    const std::string modern = "{sha256}" + range_bytes(40);
    const std::string modern_answer =
        unhex("7b7368613235367d0ef1287df573d933f2595ae1dbcb3221ef8dd99f241b64922a7c409620803fd7");
    CHECK(auth::create_response(key, modern) == modern_answer);
    auth::verify_challenge(key, modern, modern_answer);
    // hmac.new(key, bytes(range(20)), 'md5'): a 3.11 challenge gets a bare MD5 answer.
    const std::string legacy = range_bytes(20);
    CHECK(auth::create_response(key, legacy) == unhex("3694509baceb19ab342b41e399cbcdff"));
    // hmac.new(key, b'{md5}' + bytes(range(40)), 'md5')
    CHECK(auth::create_response(key, "{md5}" + range_bytes(40)) ==
          "{md5}" + unhex("f7b5106e6809c0ee486ed7cc63ff5fc3"));
    // A 3.11 client answers our {sha256} challenge with a bare MD5 over all of it.
    auth::verify_challenge(key, modern, unhex("fce729e6d2026ec20dbcf063ac8c9c08"));
    CHECK_THROWS_AS(auth::verify_challenge("other key", modern, modern_answer),
                    mpact::AuthenticationError);
    CHECK_THROWS_AS(auth::verify_challenge(key, modern, modern_answer.substr(0, 30)),
                    mpact::AuthenticationError);
    CHECK_THROWS_AS(static_cast<void>(auth::create_response(key, "{sha1}" + range_bytes(40))),
                    mpact::AuthenticationError);
    CHECK_THROWS_AS(static_cast<void>(auth::create_response(key, range_bytes(30))),
                    mpact::AuthenticationError);
}

TEST_CASE("Python's framing: a 4-byte big-endian length, read by a raw socket" *
          doctest::timeout(30)) {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    auto c = mpact::Connection::adopt(fds[0]);
    c.send_bytes("abc");
    char buf[7] = {};
    REQUIRE(::read(fds[1], buf, 7) == 7);
    CHECK(std::string(buf, 7) == std::string("\x00\x00\x00\x03"
                                             "abc",
                                             7));
    REQUIRE(::write(fds[1], "\x00\x00\x00\x02hi", 6) == 6);
    CHECK(c.recv_bytes(5s) == "hi");
    REQUIRE(::write(fds[1], "\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x01z", 13) == 13);
    CHECK(c.recv_bytes(5s) == "z");  // the long form, as Python sends above 2 GiB - 1
    REQUIRE(::write(fds[1], "\x80\x00\x00\x01", 4) == 4);
    CHECK_THROWS_AS(static_cast<void>(c.recv_bytes(5s)), mpact::ProtocolError);
    ::close(fds[1]);
    CHECK_THROWS_AS(mpact::Connection::adopt(-1), mpact::ValueError);
}

TEST_CASE("wait over Connections, a Listener and sentinels: EOF is ready, [] on timeout" *
          doctest::timeout(30)) {
    mpact::Listener l{};
    auto [a, b] = mpact::pipe();
    auto [c, d] = mpact::pipe();
    CHECK(mpact::wait(std::vector{a, c}, 20ms).empty());
    CHECK(mpact::wait(20ms, l, a, c).empty());
    d.send_bytes("x");
    auto ready = mpact::wait(std::vector{a, c}, 10s);
    REQUIRE(ready.size() == 1);
    CHECK(ready[0].recv_bytes() == "x");
    b.close();  // EOF counts as ready
    CHECK(mpact::wait(10s, l, a, c) == std::vector<std::size_t>{1});
    CHECK_THROWS_AS(static_cast<void>(a.recv_bytes()), mpact::EOFError);
    CHECK(mpact::wait(10s, l, a, c) == std::vector<std::size_t>{1});  // still ready at EOF
    auto client = mpact::Client(l.address());  // a waiting client makes the Listener ready
    CHECK(mpact::wait(10s, l, c) == std::vector<std::size_t>{0});
    auto served = l.accept(10s);
    client.send_bytes("over the socket");
    auto both = mpact::wait(std::vector{served, c}, 10s);
    REQUIRE(both.size() == 1);
    CHECK(both[0].recv_bytes() == "over the socket");
    client.close();
    CHECK(mpact::wait(std::vector{served}, 10s).size() == 1);  // the socket's EOF
    CHECK_THROWS_AS(static_cast<void>(served.recv_bytes()), mpact::EOFError);
}
