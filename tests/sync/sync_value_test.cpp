// Value and Array in one process: load/store and the one-message atomics, compare_exchange's
// std::atomic semantics, wrap-around at T's width, non-numeric T, Array's slices and
// Python's IndexError/ValueError, the lock options ({.lock = false}, a shared Lock/RLock),
// handles as msgpack, and refused input (a message that does not decode, an element that is
// not a number of the value's kind) that changes nothing.
#include <mpact/codec.hpp>
#include <mpact/node.hpp>
#include <mpact/sync.hpp>

#include "support/support.hpp"
#include "sync_support.hpp"
#include "value_protocol.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

using namespace std::chrono_literals;
using namespace sync_test;

namespace {

struct Point {
    int x = 0;
    std::string label;
    friend bool operator==(const Point&, const Point&) = default;
    MSGPACK_DEFINE(x, label)
};

template <class V, class T>
concept HasFetchAdd = requires(const V& v, const T& x) {
    v.fetch_add(x);
};

// The arithmetic members exist for arithmetic T only, as std::atomic's do.
static_assert(HasFetchAdd<mpact::Value<int>, int>);
static_assert(HasFetchAdd<mpact::Value<double>, double>);
static_assert(!HasFetchAdd<mpact::Value<bool>, bool>);
static_assert(!HasFetchAdd<mpact::Value<std::string>, std::string>);
static_assert(!HasFetchAdd<mpact::Value<Point>, Point>);
// Python's lock='x' is an AttributeError; here it does not compile.
static_assert(!std::is_convertible_v<const char*, decltype(mpact::ValueOptions::lock)>);
static_assert(!std::is_convertible_v<int, decltype(mpact::ValueOptions::lock)>);
static_assert(std::is_nothrow_move_constructible_v<mpact::Value<int>>);
static_assert(std::is_copy_constructible_v<mpact::Array<int>>);

template <class L>
concept TimedLockable = requires(const L& l) {
    l.lock();
    l.unlock();
    { l.try_lock() } -> std::same_as<bool>;
    { l.try_lock_for(1ms) } -> std::same_as<bool>;
    { l.try_lock_until(std::chrono::steady_clock::now()) } -> std::same_as<bool>;
};
static_assert(TimedLockable<mpact::ValueLock>);

}  // namespace

TEST_CASE("Value: load, store, exchange, fetch_add and fetch_sub" * doctest::timeout(30)) {
    mpact::Value<int> v{0};
    CHECK(v.load() == 0);
    v.store(41);
    CHECK(v.fetch_add(1) == 41);
    CHECK(v.fetch_sub(10) == 42);
    CHECK(v.exchange(7) == 32);
    CHECK(v.load() == 7);
    mpact::Value<double> d{3.625};
    CHECK(d.fetch_add(0.375) == 3.625);
    CHECK(d.fetch_sub(8.25) == 4.0);
    CHECK(d.load() == -4.25);
    mpact::Value<float> f{1.5f};
    CHECK(f.fetch_add(0.25f) == 1.5f);
    CHECK(f.load() == 1.75f);
}

TEST_CASE("compare_exchange: true and stored when equal, else false and expected updated" *
          doctest::timeout(30)) {
    mpact::Value<long> v{5};
    long expected = 4;
    CHECK_FALSE(v.compare_exchange(expected, 9));
    CHECK(expected == 5);  // std::atomic's shape: the current value
    CHECK(v.load() == 5);
    CHECK(v.compare_exchange(expected, 9));
    CHECK(expected == 5);
    CHECK(v.load() == 9);
    // Equality is of the msgpack bytes: for a number, of its value. msgpack-c writes a whole
    // double as an integer, -0.0 as 0, so -0.0 compares equal to 0.0 (and reads back as 0.0).
    mpact::Value<double> d{0.5};
    double other = 0.25;
    CHECK_FALSE(d.compare_exchange(other, 1.0));
    CHECK(other == 0.5);
    d.store(0.0);
    double minus_zero = -0.0;
    CHECK(d.compare_exchange(minus_zero, 1.0));
    CHECK(d.load() == 1.0);
}

TEST_CASE("fetch_add and add wrap around at the type's width, as std::atomic and ctypes do" *
          doctest::timeout(30)) {
    mpact::Value<std::int8_t> i8{127};
    CHECK(i8.fetch_add(1) == 127);
    CHECK(i8.load() == -128);
    CHECK(i8.fetch_sub(1) == -128);
    CHECK(i8.load() == 127);
    mpact::Value<std::uint16_t> u16{0};
    CHECK(u16.fetch_sub(1) == 0);
    CHECK(u16.load() == 65535);
    mpact::Value<std::int32_t> i32{std::numeric_limits<std::int32_t>::max()};
    i32.add(2);
    CHECK(i32.load() == std::numeric_limits<std::int32_t>::min() + 1);
    mpact::Value<std::uint64_t> u64{std::numeric_limits<std::uint64_t>::max()};
    CHECK(u64.fetch_add(1) == std::numeric_limits<std::uint64_t>::max());
    CHECK(u64.load() == 0);
    mpact::Value<std::int64_t> i64{std::numeric_limits<std::int64_t>::min()};
    CHECK(i64.fetch_sub(1) == std::numeric_limits<std::int64_t>::min());
    CHECK(i64.load() == std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("one-way add is applied in order with the same thread's later requests" *
          doctest::timeout(60)) {
    constexpr int kAdds = 5000 / mpact::test::kVolumeScale;
    mpact::Value<long> v{0};
    for (int i = 1; i <= kAdds; ++i) v.add(i);
    CHECK(v.load() == long{kAdds} * (kAdds + 1) / 2);
    v.add(1);
    CHECK(v.fetch_add(0) == long{kAdds} * (kAdds + 1) / 2 + 1);
}

TEST_CASE("Value of a string, a bool and a struct: load, store, exchange, compare_exchange" *
          doctest::timeout(30)) {
    mpact::Value<std::string> s{"x"};
    CHECK(s.load() == "x");
    s.store("hello");
    CHECK(s.exchange("world") == "hello");
    std::string expected = "nope";
    CHECK_FALSE(s.compare_exchange(expected, "z"));
    CHECK(expected == "world");
    CHECK(s.compare_exchange(expected, "z"));
    CHECK(s.load() == "z");
    mpact::Value<bool> b{false};
    CHECK(b.exchange(true) == false);
    CHECK(b.load());
    mpact::Value<Point> p{{1, "a"}};
    p.store({2, "b"});
    CHECK(p.load() == Point{2, "b"});
}

TEST_CASE("Array: zeros from a size, a copy of a vector, element access, to_vector" *
          doctest::timeout(30)) {
    for (int round = 0; round < 3; ++round) {  // test_array_from_size: zeros every time
        mpact::Array<int> zeros(10);
        CHECK(zeros.size() == 10);
        CHECK(zeros.to_vector() == std::vector<int>(10, 0));
        zeros.store(3, 5);
    }
    const std::vector<int> seq{680, 626, 934, 821, 150, 233, 548, 982, 714, 831};  // V-3
    mpact::Array<int> a{seq};
    CHECK(a.size() == seq.size());
    CHECK(a.load(0) == 680);
    CHECK(a.load(9) == 831);
    CHECK(a.load(2, 5) == std::vector<int>{934, 821, 150});
    CHECK(a.to_vector() == seq);
    a.store(4, 8, std::vector<int>{1, 2, 3, 4});
    CHECK(a.load(0, 10) == std::vector<int>{680, 626, 934, 821, 1, 2, 3, 4, 714, 831});
    a.store(0, std::vector<int>{7, 8});
    CHECK(a.load(0, 3) == std::vector<int>{7, 8, 934});
    CHECK(a.fetch_add(9, 1) == 831);
    CHECK(a.fetch_sub(9, 2) == 832);
    a.add(9, 1);
    CHECK(a.exchange(9, 0) == 831);
    mpact::Array<double> d(2);
    d.store(1, 0.5);
    CHECK(d.to_vector() == std::vector<double>{0.0, 0.5});
    mpact::Array<std::string> s{std::vector<std::string>{"a", "b"}};
    CHECK(s.load(1) == "b");
}

TEST_CASE(
    "Array: slices clamp as Python's; IndexError past the end; ValueError on a wrong "
    "slice length, and nothing changes" *
    doctest::timeout(30)) {
    mpact::Array<int> a{std::vector<int>{1, 2, 3, 4}};
    CHECK(a.load(2, 100) == std::vector<int>{3, 4});  // a[2:100]
    CHECK(a.load(3, 1).empty());                      // a[3:1]
    CHECK(a.load(10, 20).empty());
    CHECK_THROWS_AS(static_cast<void>(a.load(4)), mpact::IndexError);
    CHECK_THROWS_AS(a.store(4, 0), mpact::IndexError);
    CHECK_THROWS_AS(static_cast<void>(a.fetch_add(100, 1)), mpact::IndexError);
    CHECK_THROWS_AS(a.add(4, 1), mpact::IndexError);
    try {
        a.store(0, 2, std::vector<int>{9, 9, 9});
        FAIL("a slice store of the wrong length returned");
    } catch (const mpact::ValueError& e) {
        CHECK(std::string(e.what()).find("same size") != std::string::npos);
    }
    CHECK_THROWS_AS(a.store(3, std::vector<int>{9, 9}), mpact::ValueError);  // a[3:5] clamps
    CHECK(a.to_vector() == std::vector<int>{1, 2, 3, 4});
    a.store(4, std::vector<int>{});  // a[4:4] = []: fine
    mpact::Array<int> empty(0);
    CHECK(empty.size() == 0);
    CHECK(empty.to_vector().empty());
    CHECK_THROWS_AS(static_cast<void>(empty.load(0)), mpact::IndexError);
}

TEST_CASE("get_lock: a new RLock by default, none with {.lock = false}, else the lock given" *
          doctest::timeout(30)) {
    mpact::Value<int> v{0};
    CHECK(v.get_lock().recursive());
    {
        std::scoped_lock g(v.get_lock());
        std::scoped_lock again(v.get_lock());  // an RLock: its owner takes it again
        v.store(v.load() + 1);
    }
    CHECK(v.load() == 1);
    CHECK(v.get_lock() == v.get_lock());

    mpact::Value<int> raw{0, {.lock = false}};
    CHECK_THROWS_AS(static_cast<void>(raw.get_lock()), mpact::ValueError);
    mpact::Array<int> raw_array{3, {.lock = false}};
    CHECK_THROWS_AS(static_cast<void>(raw_array.get_lock()), mpact::ValueError);
    raw.store(3);  // the value itself works
    CHECK(raw.load() == 3);

    mpact::Lock lock;
    mpact::Array<int> a{10, {.lock = lock}};
    CHECK(a.get_lock() == lock);  // Python: arr.get_lock() is lock
    CHECK_FALSE(a.get_lock().recursive());
    REQUIRE(lock.acquire(0s));
    CHECK_FALSE(a.get_lock().try_lock());  // the same lock
    a.get_lock().release();                // a Lock: anyone may release it
    CHECK(lock.acquire(0s));
    lock.release();

    mpact::RLock rlock;
    mpact::Value<double> d{0.0, {.lock = rlock}};
    CHECK(d.get_lock() == rlock);
    CHECK(d.get_lock().recursive());
    mpact::Value<int> sharing{0, {.lock = d.get_lock()}};  // another value's lock
    CHECK(sharing.get_lock() == rlock);
    CHECK_FALSE(sharing.get_lock() == lock);
}

TEST_CASE("handles travel as msgpack: the same value, its size and its lock" *
          doctest::timeout(30)) {
    mpact::Value<int> v{4};
    auto copy = round_trip(v);
    copy.store(5);
    CHECK(v.load() == 5);
    CHECK(copy.get_lock() == v.get_lock());
    mpact::Array<std::int16_t> a{std::vector<std::int16_t>{1, 2, 3}, {.lock = false}};
    auto a2 = round_trip(a);
    CHECK(a2.size() == 3);
    CHECK(a2.to_vector() == std::vector<std::int16_t>{1, 2, 3});
    CHECK_THROWS_AS(static_cast<void>(a2.get_lock()), mpact::ValueError);
    // Rebuilt as another number type: refused, not misread.
    const auto bytes = mpact::pack(v);
    CHECK_THROWS_AS(static_cast<void>(mpact::unpack<mpact::Value<double>>(bytes)),
                    mpact::ValueError);
    CHECK_THROWS_AS(static_cast<void>(mpact::unpack<mpact::Value<unsigned>>(bytes)),
                    mpact::ValueError);
}

namespace {
// A message with a Value wire name and the wrong shape.
struct BadStore {
    static constexpr std::string_view mpact_name = "sync.ValueStore";
    std::string junk;
    MSGPACK_DEFINE(junk)
};
}  // namespace

TEST_CASE("bad input to a Value's actor is refused and counted, and the value is unchanged" *
          doctest::timeout(30)) {
    using namespace mpact::sync_protocol;
    mpact::Value<std::int8_t> v{7};
    const auto& actor = v.core().handle().actor();
    auto before = mpact::node_stats().refused;
    CHECK_THROWS_AS(actor.request(BadStore{"x"}, 10s), mpact::ProtocolError);
    CHECK_THROWS_AS(actor.request(ValueStore{0, "\xc1"}, 10s),
                    mpact::ProtocolError);  // not msgpack
    CHECK_THROWS_AS(actor.request(ValueStore{0, mpact::pack(1000)}, 10s),
                    mpact::ProtocolError);  // not an int8
    CHECK_THROWS_AS(actor.request(ValueStore{0, mpact::pack("text")}, 10s), mpact::ProtocolError);
    CHECK_THROWS_AS(actor.request<std::string>(ValueFetch{0, 7, mpact::pack(1)}, 10s),
                    mpact::ProtocolError);  // no such operation
    CHECK_THROWS_AS(actor.request<std::string>(ValueFetch{0, 0, mpact::pack(2.5)}, 10s),
                    mpact::ProtocolError);  // not an integer
    CHECK(mpact::node_stats().refused == before + 6);
    // Misuse rather than bad input: a typed error, not counted.
    CHECK_THROWS_AS(actor.request<std::string>(ValueLoad{5}, 10s), mpact::IndexError);
    CHECK(mpact::node_stats().refused == before + 6);
    CHECK(v.load() == 7);
    // Bytes for a number that are not msgpack's smallest form are rewritten, so that
    // compare_exchange compares numbers: 9 as an int64 (0xd3 + 8 bytes).
    actor.request(ValueStore{0, std::string("\xd3\0\0\0\0\0\0\0\x09", 9)}, 10s);
    std::int8_t expected = 9;
    CHECK(v.compare_exchange(expected, 1));
    CHECK(v.load() == 1);
}
