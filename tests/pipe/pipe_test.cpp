// mpact::pipe and mpact::Connection within one process: every semantic but the ones that
// need a second process (pipe_process_test.cpp).
#include <mpact/bytes.hpp>
#include <mpact/codec.hpp>
#include <mpact/errors.hpp>
#include <mpact/node.hpp>
#include <mpact/pipe.hpp>
#include <mpact/wait.hpp>

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

using namespace std::chrono_literals;

namespace {
struct Point {
    int x = 0;
    std::string label;
    std::vector<double> values;
    MSGPACK_DEFINE(x, label, values)
    friend bool operator==(const Point&, const Point&) = default;
};
}  // namespace

static_assert(std::is_copy_constructible_v<mpact::Connection>);
static_assert(std::is_nothrow_move_constructible_v<mpact::Connection>);

TEST_CASE("send and recv carry ints, strings, vectors, tuples and structs in both directions" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    a.send(42);
    a.send(std::string("hello"));
    a.send(std::vector<int>{1, 2, 3});
    a.send(std::tuple<std::string, int, std::optional<int>>{"33", 44, std::nullopt});
    a.send(Point{7, "p", {1.5, 2.5}});
    CHECK(b.recv<int>() == 42);
    CHECK(b.recv<std::string>() == "hello");
    CHECK(b.recv<std::vector<int>>() == std::vector<int>{1, 2, 3});
    auto t = b.recv<std::tuple<std::string, int, std::optional<int>>>();
    CHECK(std::get<0>(t) == "33");
    CHECK(std::get<1>(t) == 44);
    CHECK_FALSE(std::get<2>(t).has_value());
    CHECK(b.recv<Point>() == Point{7, "p", {1.5, 2.5}});
    b.send(std::string("back"));
    CHECK(a.recv<std::string>() == "back");
}

TEST_CASE("many messages arrive complete and in order" * doctest::timeout(60)) {
    auto [a, b] = mpact::pipe();
    constexpr int n = 100000;
    std::thread writer([&, a = a] {
        auto w = a;
        for (int i = 0; i < n; ++i) w.send(i);
        w.send(std::string(100000, 'z'));
    });
    for (int i = 0; i < n; ++i) REQUIRE(b.recv<int>(30s) == i);
    CHECK(b.recv<std::string>(30s) == std::string(100000, 'z'));
    writer.join();
}

TEST_CASE("duplex=false: the first end only receives, the second only sends" *
          doctest::timeout(30)) {
    auto [r, w] = mpact::pipe({.duplex = false});
    CHECK(r.readable());
    CHECK_FALSE(r.writable());
    CHECK(w.writable());
    CHECK_FALSE(w.readable());
    CHECK_THROWS_AS(r.send(1), mpact::ValueError);
    CHECK_THROWS_AS(r.send_bytes("x"), mpact::ValueError);
    CHECK_THROWS_AS(static_cast<void>(w.recv<int>()), mpact::ValueError);
    CHECK_THROWS_AS(static_cast<void>(w.poll()), mpact::ValueError);
    w.send(5);
    CHECK(r.recv<int>() == 5);
}

TEST_CASE("poll waits at most its timeout and reports a waiting message" * doctest::timeout(30)) {
    // Without spinning; with a spin far longer than the timeout (poll() with no timeout is
    // one look, and a timed poll stops at its timeout); with a spin shorter than it.
    for (mpact::Duration spin :
         {mpact::Duration::zero(), mpact::Duration(30s), mpact::Duration(1ms)}) {
        CAPTURE(spin.count());
        auto [a, b] = mpact::pipe({.spin = spin});
        CHECK_FALSE(b.poll());
        auto start = std::chrono::steady_clock::now();
        CHECK_FALSE(b.poll(200ms));
        auto waited = std::chrono::steady_clock::now() - start;
        CHECK(waited >= 190ms);
        CHECK(waited < 10s);
        a.send(1);
        CHECK(b.poll(10s));
        CHECK(b.poll());  // still there until received
        CHECK(b.recv<int>() == 1);
        CHECK_FALSE(b.poll());
    }
}

TEST_CASE("recv with a timeout raises TimeoutError and the pipe stays usable" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    CHECK_THROWS_AS(static_cast<void>(b.recv<int>(100ms)), mpact::TimeoutError);
    CHECK_THROWS_AS(static_cast<void>(b.recv_bytes(100ms)), mpact::TimeoutError);
    a.send(3);
    CHECK(b.recv<int>(10s) == 3);
}

TEST_CASE("send_bytes and recv_bytes carry raw bytes, offset and size as Python" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    std::string data = "0123456789";
    a.send_bytes(data);
    a.send_bytes(data, 2);
    a.send_bytes(data, 2, 3);
    a.send_bytes("");
    CHECK(b.recv_bytes() == "0123456789");
    CHECK(b.recv_bytes() == "23456789");
    CHECK(b.recv_bytes() == "234");
    CHECK(b.recv_bytes() == "");
    CHECK_THROWS_AS(a.send_bytes(data, 11), mpact::ValueError);
    CHECK_THROWS_AS(a.send_bytes(data, 5, 6), mpact::ValueError);
    // send() is send_bytes of the msgpack form, as Python's send is send_bytes of a pickle.
    a.send_bytes(mpact::pack(std::string("packed")));
    CHECK(b.recv<std::string>() == "packed");
    a.send(12);
    CHECK(mpact::unpack<int>(b.recv_bytes()) == 12);
}

TEST_CASE("recv_bytes with maxlength refuses a longer message, which stays queued" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    a.send_bytes("0123456789");
    a.send_bytes("ok");
    CHECK_THROWS_AS(static_cast<void>(b.recv_bytes(std::size_t{9})), mpact::ProtocolError);
    CHECK(b.poll());
    CHECK_THROWS_AS(static_cast<void>(b.recv_bytes(std::size_t{4})), mpact::ProtocolError);
    CHECK(b.recv_bytes(std::size_t{10}) == "0123456789");
    CHECK(b.recv_bytes(10s, std::size_t{2}) == "ok");
}

TEST_CASE("recv_bytes_into fills the buffer at an offset, and a message too long stays queued" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    a.send_bytes("abcd");
    a.send_bytes("0123456789");
    std::vector<char> buffer(8, '.');
    CHECK(b.recv_bytes_into(buffer, 2) == 4);
    CHECK(std::string(buffer.begin(), buffer.end()) == "..abcd..");
    CHECK_THROWS_AS(static_cast<void>(b.recv_bytes_into(buffer, 0)), mpact::ValueError);
    CHECK_THROWS_AS(static_cast<void>(b.recv_bytes_into(buffer, 9)), mpact::ValueError);
    std::vector<char> big(16);
    CHECK(b.recv_bytes_into(big) == 10);
    CHECK(std::string(big.data(), 10) == "0123456789");
    CHECK_THROWS_AS(static_cast<void>(b.recv_bytes_into(100ms, big)), mpact::TimeoutError);
    a.send_bytes("xy");
    CHECK(b.recv_bytes_into(10s, big, 14) == 2);
    CHECK(std::string(big.data() + 14, 2) == "xy");
}

TEST_CASE("EOFError comes after every message sent before close, and every time after" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    for (int i = 0; i < 100; ++i) a.send(i);  // few enough to fit the socket buffer
    a.close();
    CHECK(a.closed());
    a.close();  // idempotent
    for (int i = 0; i < 100; ++i) REQUIRE(b.recv<int>() == i);
    CHECK(b.poll());  // EOF is "ready"
    CHECK_THROWS_AS(static_cast<void>(b.recv<int>()), mpact::EOFError);
    CHECK_THROWS_AS(static_cast<void>(b.recv<int>(1s)), mpact::EOFError);
    CHECK_THROWS_AS(static_cast<void>(b.recv_bytes()), mpact::EOFError);
}

TEST_CASE("close marks end-of-stream even while another holder keeps the descriptor open" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    int extra = ::dup(a.fileno());  // as a forked sibling would still hold it
    a.send(1);
    a.close();
    CHECK(b.recv<int>(10s) == 1);
    CHECK_THROWS_AS(static_cast<void>(b.recv<int>(10s)), mpact::EOFError);
    ::close(extra);
}

TEST_CASE("close marks end-of-stream after a backlog the peer has not read yet" *
          doctest::timeout(30)) {
    // A unix socket reports POLLOUT only below a quarter of its send buffer: a few hundred
    // unread small messages hide the room a 9-byte end mark still has.
    auto [a, b] = mpact::pipe();
    int extra = ::dup(a.fileno());  // no kernel EOF: only the mark can end the stream
    constexpr int kBacklog = 100;   // within the send buffer: send() does not block
    for (int i = 0; i < kBacklog; ++i) a.send(i);
    a.close();
    for (int i = 0; i < kBacklog; ++i) REQUIRE(b.recv<int>(10s) == i);
    CHECK_THROWS_AS(static_cast<void>(b.recv<int>(10s)), mpact::EOFError);
    ::close(extra);
}

TEST_CASE("an end that never sent closes silently: its holder was only a bystander" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    int extra = ::dup(a.fileno());  // the process that really speaks on this end
    a.close();                      // a bystander's copy, e.g. the parent after start()
    CHECK_FALSE(b.poll(100ms));
    const char late[] = "\xA7\x01\x00\x00\x01\x00\x00\x00\x07";  // a data frame: int 7
    REQUIRE(::write(extra, late, 9) == 9);
    CHECK(b.recv<int>(10s) == 7);
    ::close(extra);
    CHECK_THROWS_AS(static_cast<void>(b.recv<int>(10s)), mpact::EOFError);
}

TEST_CASE("send to a closed peer raises EOFError (Python: BrokenPipeError), never SIGPIPE" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    b.close();
    CHECK_THROWS_AS(a.send(1), mpact::EOFError);
}

TEST_CASE(
    "send with a timeout raises TimeoutError while the peer does not read, sends nothing, "
    "and the pipe goes on" *
    doctest::timeout(60)) {
    auto [a, b] = mpact::pipe();
    const std::string item(100, 'x');
    int sent = 0;
    bool full = false;
    for (; sent < 1'000'000 && !full; ++sent) {  // a socket buffer holds far fewer
        try {
            a.send(std::make_pair(sent, item), 20ms);
        } catch (const mpact::TimeoutError&) {
            full = true;
            --sent;
        }
    }
    REQUIRE(full);
    CHECK(sent > 0);
    auto t0 = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(a.send(std::make_pair(-1, item), 200ms), mpact::TimeoutError);
    CHECK(std::chrono::steady_clock::now() - t0 >= 190ms);
    // Every message the timeouts did not refuse arrives whole, and nothing else.
    for (int i = 0; i < sent; ++i) REQUIRE(b.recv<std::pair<int, std::string>>(10s).first == i);
    CHECK_FALSE(b.poll());
    a.send(std::make_pair(sent, item), 10s);  // room again
    CHECK(b.recv<std::pair<int, std::string>>(10s).first == sent);
    a.send_bytes(10s, "abc", 1);
    CHECK(b.recv_bytes(10s) == "bc");
}

TEST_CASE(
    "a send that times out in the middle of its message ends the stream there: the peer "
    "gets the messages before it, then EOFError" *
    doctest::timeout(60)) {
    auto [a, b] = mpact::pipe();
    a.send(std::string("before"));
    const std::string big(8u << 20, 'y');  // far more than a socket buffer
    CHECK_THROWS_AS(a.send(big, 200ms), mpact::TimeoutError);
    CHECK_THROWS_AS(a.send(std::string("after")), mpact::EOFError);
    CHECK(b.recv<std::string>(10s) == "before");
    CHECK_THROWS_AS(static_cast<void>(b.recv<std::string>(10s)), mpact::EOFError);
    // The other direction is untouched.
    b.send(7);
    CHECK(a.recv<int>(10s) == 7);
}

TEST_CASE("a closed Connection refuses every operation with ValueError" * doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    auto copy = a;
    a.close();
    CHECK(copy.closed());  // copies share the descriptor
    CHECK_THROWS_AS(copy.send(1), mpact::ValueError);
    CHECK_THROWS_AS(static_cast<void>(copy.recv<int>()), mpact::ValueError);
    CHECK_THROWS_AS(static_cast<void>(copy.poll()), mpact::ValueError);
    CHECK_THROWS_AS(static_cast<void>(copy.sentinel()), mpact::ValueError);
    mpact::Connection empty;
    CHECK(empty.closed());
    CHECK_THROWS_AS(empty.send(1), mpact::ValueError);
}

TEST_CASE("the last copy closes the descriptor, and the peer then sees EOF" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    {
        auto c = std::move(a);
        c.send(9);
    }
    CHECK(b.recv<int>(10s) == 9);
    CHECK_THROWS_AS(static_cast<void>(b.recv<int>(10s)), mpact::EOFError);
}

TEST_CASE("sentinel works with mpact::wait" * doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    auto [c, d] = mpact::pipe();
    CHECK(mpact::wait({b.sentinel(), d.sentinel()}, 50ms).empty());
    a.send(1);
    auto ready = mpact::wait({b.sentinel(), d.sentinel()}, 10s);
    REQUIRE(ready.size() == 1);
    CHECK(ready[0] == b.sentinel());
    CHECK(b.recv<int>() == 1);
    c.close();
    ready = mpact::wait({b.sentinel(), d.sentinel()});
    REQUIRE(ready.size() == 1);
    CHECK(ready[0] == d.sentinel());
}

TEST_CASE("a 64 MiB message goes through whole" * doctest::timeout(60)) {
    auto [a, b] = mpact::pipe();
    std::string big(std::size_t{64} << 20, 'x');
    for (std::size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i % 26);
    std::thread writer([&, a = a] {
        auto w = a;
        w.send(big);
        w.send_bytes(big);
    });
    CHECK(b.recv<std::string>(30s) == big);
    CHECK(b.recv_bytes(30s) == big);
    writer.join();
}

TEST_CASE("Bytes go through whole, small and large, to and from strings, in recycled storage" *
          doctest::timeout(60)) {
    auto [a, b] = mpact::pipe();
    const std::size_t large = std::size_t{5} << 20;
    mpact::Bytes big = mpact::Bytes::for_overwrite(large);
    for (std::size_t i = 0; i < large; ++i) big[i] = static_cast<char>('a' + i % 26);
    const std::string text(large, 't');
    std::thread writer([&, a = a] {
        auto w = a;
        w.send(big);
        w.send(big);
        w.send(mpact::Bytes(std::string_view("small")));
        w.send(text);
        w.send(big);
        w.send(7);
    });
    auto first = b.recv<mpact::Bytes>(30s);
    CHECK(first == big);
    const char* storage = first.data();
    first = mpact::Bytes();  // kept by the process: the next large receive lands in it
    auto second = b.recv<mpact::Bytes>(30s);
    CHECK(second.data() == storage);
    CHECK(second == big);
    CHECK(b.recv<mpact::Bytes>(30s).view() == "small");
    CHECK(b.recv<mpact::Bytes>(30s).view() == text);  // a str is accepted as bytes
    CHECK(b.recv<std::string>(30s) == big.view());
    CHECK_THROWS_AS(static_cast<void>(b.recv<mpact::Bytes>(30s)), mpact::ProtocolError);
    writer.join();
}

// Sizes around 64 KiB: where a receive that reads ahead, or a packet socket, would have to
// split a message (both were tried, docs/architecture.md "Pipe").
TEST_CASE("messages on either side of 64 KiB boundaries arrive whole, between small ones" *
          doctest::timeout(60)) {
    auto [a, b] = mpact::pipe();
    constexpr std::size_t packet = std::size_t{64} << 10;
    for (std::size_t size : {packet - 9, packet - 8, packet - 7, packet, packet + 1, 2 * packet - 8,
                             2 * packet + 3, 5 * packet}) {
        std::string big(size, 'x');
        for (std::size_t i = 0; i < size; i += 997) big[i] = static_cast<char>('a' + i % 26);
        std::thread writer([&, a = a] {
            auto w = a;
            w.send(1);
            w.send_bytes(big);
            w.send(big);
            w.send_bytes(big);
            w.send(2);
        });
        CHECK(b.recv<int>(10s) == 1);
        CHECK(b.recv_bytes(10s) == big);
        CHECK(b.recv<std::string>(10s) == big);
        std::vector<char> into(size + 3, '.');
        REQUIRE(b.recv_bytes_into(10s, into, 3) == size);
        CHECK(std::string(into.data() + 3, size) == big);
        CHECK(b.recv<int>(10s) == 2);
        writer.join();
    }
}

TEST_CASE("several queued messages keep the sentinel ready until the last is received" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    a.send(1);
    a.send_bytes(std::string(std::size_t{100} << 10, 'y'));  // more than one read's worth
    a.send(3);
    REQUIRE(mpact::wait({b.sentinel()}, 10s).size() == 1);
    CHECK(b.recv<int>() == 1);
    REQUIRE(mpact::wait({b.sentinel()}, 10s).size() == 1);
    CHECK(b.recv_bytes().size() == std::size_t{100} << 10);
    REQUIRE(mpact::wait({b.sentinel()}, 10s).size() == 1);
    CHECK(b.recv<int>() == 3);
    CHECK(mpact::wait({b.sentinel()}, 50ms).empty());
    CHECK_FALSE(b.poll());
}

TEST_CASE("a message refused for its length keeps the sentinel ready" * doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    a.send_bytes(std::string(std::size_t{100} << 10, 'z'));  // more than one read's worth
    std::vector<char> small(16);
    CHECK_THROWS_AS(static_cast<void>(b.recv_bytes(std::size_t{10})), mpact::ProtocolError);
    CHECK_THROWS_AS(static_cast<void>(b.recv_bytes_into(small)), mpact::ValueError);
    REQUIRE(mpact::wait({b.sentinel()}, 10s).size() == 1);
    CHECK(b.recv_bytes(10s) == std::string(std::size_t{100} << 10, 'z'));
    CHECK(mpact::wait({b.sentinel()}, 50ms).empty());
}

TEST_CASE("a peer that closes with our messages unread still delivers all of its own" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    b.send(0);  // never read: closing a with it unread resets b's end (ECONNRESET)
    a.send(1);
    a.send(2);
    a.close();
    CHECK(b.recv<int>(10s) == 1);
    CHECK(b.recv<int>(10s) == 2);
    CHECK_THROWS_AS(static_cast<void>(b.recv<int>(10s)), mpact::EOFError);
}

TEST_CASE("large messages that are not one string or binary decode the ordinary way" *
          doctest::timeout(60)) {
    auto [a, b] = mpact::pipe();
    std::vector<int> numbers(1 << 20, 7);           // 3+ MiB: big, but an array
    std::string raw(std::size_t{3} << 20, '\xc6');  // looks like a bin32 prefix, is not msgpack
    std::string text(std::size_t{3} << 20, 't');
    std::thread writer([&, a = a] {
        auto w = a;
        w.send(numbers);
        w.send(numbers);
        w.send_bytes(raw);
        w.send(text);
        w.send(std::vector<char>(std::size_t{3} << 20, 'v'));
        w.send(1);
    });
    CHECK_THROWS_AS(static_cast<void>(b.recv<std::vector<char>>(30s)), mpact::ProtocolError);
    CHECK(b.recv<std::vector<int>>(30s) == numbers);
    CHECK_THROWS_AS(static_cast<void>(b.recv<std::string>(30s)), mpact::ProtocolError);
    auto as_bytes = b.recv<std::vector<char>>(30s);  // a str is accepted as bytes, as msgpack does
    CHECK(std::string(as_bytes.begin(), as_bytes.end()) == text);
    CHECK(b.recv<std::string>(30s) == std::string(std::size_t{3} << 20, 'v'));
    CHECK(b.recv<int>(30s) == 1);
    writer.join();
}

TEST_CASE(
    "a message that is not the requested type is a ProtocolError, counted, and the pipe goes on" *
    doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    a.send(std::string("text"));
    a.send_bytes("\xc1");  // never valid msgpack
    a.send_bytes("too long for its reader");
    a.send(5);
    const auto refused = mpact::node_stats().refused;
    CHECK_THROWS_AS(static_cast<void>(b.recv<int>()), mpact::ProtocolError);
    CHECK_THROWS_AS(static_cast<void>(b.recv<int>()), mpact::ProtocolError);
    CHECK_THROWS_AS(static_cast<void>(b.recv_bytes(4)), mpact::ProtocolError);
    CHECK(mpact::node_stats().refused == refused + 3);
    CHECK(b.recv_bytes() == "too long for its reader");
    CHECK(b.recv<int>() == 5);
    CHECK(mpact::node_stats().refused == refused + 3);
}

TEST_CASE("a struct with too few or too many fields is a ProtocolError, counted, not defaults" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    a.send(std::make_tuple(1, std::string("one")));  // no `values`
    a.send(std::make_tuple(1, std::string("one"), std::vector<double>{}, 4));
    a.send(Point{2, "two", {2.5}});
    const auto refused = mpact::node_stats().refused;
    CHECK_THROWS_AS(static_cast<void>(b.recv<Point>()), mpact::ProtocolError);
    CHECK_THROWS_AS(static_cast<void>(b.recv<Point>()), mpact::ProtocolError);
    CHECK(mpact::node_stats().refused == refused + 2);
    CHECK(b.recv<Point>() == Point{2, "two", {2.5}});
}

TEST_CASE("a malformed frame is a ProtocolError, not a crash, and reading stops there" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    SUBCASE("bad magic") {
        REQUIRE(::write(a.fileno(), "GET / HTTP/1.0\r\n", 16) == 16);
    }
    SUBCASE("unknown kind") {
        REQUIRE(::write(a.fileno(), "\xA7\x09\x00\x00\x00\x00\x00\x00", 8) == 8);
    }
    SUBCASE("length over the limit") {
        REQUIRE(::write(a.fileno(), "\xA7\x01\x00\x00\xff\xff\xff\xff", 8) == 8);
    }
    const auto refused = mpact::node_stats().refused;
    CHECK_THROWS_AS(static_cast<void>(b.recv<int>(10s)), mpact::ProtocolError);
    CHECK_THROWS_AS(static_cast<void>(b.recv_bytes()), mpact::ProtocolError);
    CHECK(mpact::node_stats().refused == refused + 2);
}

TEST_CASE("a peer that dies in the middle of a message gives EOFError" * doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    REQUIRE(::write(a.fileno(),
                    "\xA7\x01\x00\x00\x10\x00\x00\x00"
                    "abc",
                    11) == 11);
    a.close();
    CHECK_THROWS_AS(static_cast<void>(b.recv_bytes()), mpact::EOFError);
    CHECK_THROWS_AS(static_cast<void>(b.recv_bytes()), mpact::EOFError);
}

TEST_CASE("serialising a Connection outside a Process's arguments is a ValueError" *
          doctest::timeout(30)) {
    auto [a, b] = mpact::pipe();
    CHECK_THROWS_AS(static_cast<void>(mpact::pack(a)), mpact::ValueError);
    CHECK_THROWS_AS(a.send(b), mpact::ValueError);
    auto wire = mpact::pack(mpact::Connection::Wire{0, true, true});
    CHECK_THROWS_AS(static_cast<void>(mpact::unpack<mpact::Connection>(wire)), mpact::ValueError);
}
