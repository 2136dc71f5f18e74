// The Manager's containers from one process (the manager itself runs in a process of its
// own): CPython's _TestContainers (test_list, test_dict, test_dict_proxy_nested,
// test_list_proxy_in_list, test_namespace), the atomic and batched operations Python lacks,
// nested proxies versus copied-out values, refused input, and shutdown.
#include <mpact/manager.hpp>
#include <mpact/node.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <string>
#include <tuple>
#include <vector>

using namespace std::chrono_literals;
using V = std::vector<int>;

TEST_CASE("list: _TestContainers.test_list, Python's indices, slices, IndexError, sort") {
    mpact::Manager m;
    auto a = m.list<int>({0, 1, 2, 3, 4});
    CHECK(a.copy() == V{0, 1, 2, 3, 4});
    auto b = m.list<int>();
    CHECK(b.copy() == V{});
    b.extend(a.copy());
    CHECK(b.copy() == V{0, 1, 2, 3, 4});
    b.extend(a.copy());  // b *= 2 in Python's test
    CHECK(b.copy() == V{0, 1, 2, 3, 4, 0, 1, 2, 3, 4});
    CHECK(b.slice(2, 5) == V{2, 3, 4});
    CHECK(b.slice(std::nullopt, std::nullopt, 2) == V{0, 2, 4, 1, 3});
    CHECK(b.slice(std::nullopt, std::nullopt, -1) == V{4, 3, 2, 1, 0, 4, 3, 2, 1, 0});
    CHECK(b.slice(-3, std::nullopt) == V{2, 3, 4});
    CHECK(b.slice(100, 200) == V{});
    CHECK_THROWS_AS(static_cast<void>(b.slice(0, 1, 0)), mpact::ValueError);
    CHECK(b.get(-1) == 4);
    CHECK(b.get(0) == 0);
    CHECK_THROWS_AS(static_cast<void>(b.get(10)), mpact::IndexError);
    CHECK_THROWS_AS(static_cast<void>(b.get(-11)), mpact::IndexError);
    CHECK_THROWS_AS(b.set(10, 1), mpact::IndexError);
    b.set(-1, 40);
    CHECK(b.get(9) == 40);
    CHECK(b.size() == 10);
    CHECK(b.count(0) == 2);
    CHECK(b.index(3) == 3);
    CHECK_THROWS_AS(static_cast<void>(b.index(99)), mpact::ValueError);
    b.remove(0);  // the first 0
    CHECK(b.copy() == V{1, 2, 3, 4, 0, 1, 2, 3, 40});
    CHECK_THROWS_AS(b.remove(99), mpact::ValueError);
    CHECK(b.pop() == 40);
    CHECK(b.pop(0) == 1);
    CHECK_THROWS_AS(static_cast<void>(b.pop(50)), mpact::IndexError);
    b.insert(-100, 7);  // clamps, as Python
    b.insert(100, 8);
    CHECK(b.copy() == V{7, 2, 3, 4, 0, 1, 2, 3, 8});
    b.set_slice(1, 3, {20, 21, 22});
    CHECK(b.copy() == V{7, 20, 21, 22, 4, 0, 1, 2, 3, 8});
    b.sort();
    CHECK(b.copy() == V{0, 1, 2, 3, 4, 7, 8, 20, 21, 22});
    b.sort(true);
    CHECK(b.copy() == V{22, 21, 20, 8, 7, 4, 3, 2, 1, 0});
    b.reverse();
    CHECK(b.get(0) == 0);
    b.clear();
    CHECK(b.size() == 0);
    CHECK_THROWS_AS(static_cast<void>(b.pop()), mpact::IndexError);
    b.append(5);  // one-way, then seen by this thread's next call
    CHECK(b.copy() == V{5});
}

TEST_CASE("list sort orders decoded values: negatives, doubles, strings, tuples") {
    mpact::Manager m;
    auto n = m.list<long>({300, -5, 70000, -70000, 0, 1});
    n.sort();
    CHECK(n.copy() == std::vector<long>{-70000, -5, 0, 1, 300, 70000});
    auto d = m.list<double>({2.5, -1.25, 2.0, 1e9});
    d.sort();
    CHECK(d.copy() == std::vector<double>{-1.25, 2.0, 2.5, 1e9});
    auto s = m.list<std::string>({"pear", "apple", "banana", "app"});
    s.sort();
    CHECK(s.copy() == std::vector<std::string>{"app", "apple", "banana", "pear"});
    using P = std::tuple<int, std::string>;
    auto t = m.list<P>({P{2, "a"}, P{1, "z"}, P{1, "b"}});
    t.sort();
    CHECK(t.copy() == std::vector<P>{P{1, "b"}, P{1, "z"}, P{2, "a"}});
}

TEST_CASE("dict: _TestContainers.test_dict, insertion order, KeyError, defaults") {
    mpact::Manager m;
    auto d = m.dict<int, std::string>();
    std::map<int, std::string> indices;
    for (int i = 65; i < 70; ++i) {  // Python: d[i] = chr(i)
        d.set(i, std::string(1, static_cast<char>(i)));
        indices[i] = std::string(1, static_cast<char>(i));
    }
    CHECK(d.copy() == indices);
    CHECK(d.keys() == std::vector<int>{65, 66, 67, 68, 69});
    CHECK(d.values() == std::vector<std::string>{"A", "B", "C", "D", "E"});
    CHECK(d.items().front() == std::pair<int, std::string>{65, "A"});
    CHECK(d.size() == 5);
    CHECK(d.get(66) == "B");
    CHECK_THROWS_AS(static_cast<void>(d.get(1)), mpact::KeyError);
    CHECK(d.get(1, "none") == "none");
    CHECK(d.contains(67));
    CHECK_FALSE(d.contains(1));
    CHECK(d.erase(67));
    CHECK_FALSE(d.erase(67));
    CHECK(d.pop(68) == "D");
    CHECK_THROWS_AS(static_cast<void>(d.pop(68)), mpact::KeyError);
    CHECK(d.pop(68, "gone") == "gone");
    CHECK(d.setdefault(70, "F") == "F");
    CHECK(d.setdefault(70, "G") == "F");
    d.set(65, "a");  // overwriting keeps its place
    CHECK(d.keys() == std::vector<int>{65, 66, 69, 70});
    d.update(std::map<int, std::string>{{1, "x"}, {66, "b"}});
    CHECK(d.keys() == std::vector<int>{65, 66, 69, 70, 1});
    CHECK(d.get(66) == "b");
    d.clear();
    CHECK(d.size() == 0);
    auto init = m.dict<std::string, int>({{"a", 1}, {"b", 2}});
    CHECK(init.copy() == std::map<std::string, int>{{"a", 1}, {"b", 2}});
}

TEST_CASE("dict fetch_add and compare_exchange, atomic in one message each") {
    mpact::Manager m;
    auto d = m.dict<std::string, long>();
    CHECK(d.fetch_add("n", 5) == 0);  // absent counts as 0
    CHECK(d.fetch_add("n", -2) == 5);
    CHECK(d.get("n") == 3);
    long expected = 4;
    CHECK_FALSE(d.compare_exchange("n", expected, 10));
    CHECK(expected == 3);
    CHECK(d.compare_exchange("n", expected, 10));
    CHECK(d.get("n") == 10);
    long absent = 0;
    CHECK_FALSE(d.compare_exchange("missing", absent, 1));
    CHECK_FALSE(d.contains("missing"));
    auto f = m.dict<int, double>();
    CHECK(f.fetch_add(1, 0.5) == 0.0);
    CHECK(f.fetch_add(1, 0.25) == 0.5);
    CHECK(f.get(1) == 0.75);
    auto s = m.dict<int, std::string>({{1, "text"}});
    CHECK_THROWS_AS(static_cast<void>(s.fetch_add(1, "x")), mpact::ProtocolError);
}

TEST_CASE("batch: several operations in one message, the manager counts one message") {
    mpact::Manager m;
    auto d = m.dict<std::string, int>();
    auto l = m.list<int>();
    d.set_sync("k", 1);
    const auto before = m.stats();
    auto b = m.batch();
    auto hits = b.fetch_add(d, std::string("hits"), 1);
    b.set(d, std::string("last"), 7);
    for (int i = 0; i < 8; ++i) b.append(l, i);
    auto k = b.get(d, std::string("k"));
    auto swapped = b.compare_exchange(d, std::string("k"), 1, 2);
    CHECK_THROWS_AS(static_cast<void>(k.get()), mpact::ValueError);  // not run yet
    CHECK(b.size() == 12);
    b.run();
    const auto after = m.stats();
    CHECK(after.messages - before.messages == 2);  // the batch and the second stats()
    CHECK(after.ops - before.ops == 12);
    CHECK(hits.get() == 0);
    CHECK(k.get() == 1);
    CHECK(swapped.get());
    CHECK(d.get("k") == 2);
    CHECK(d.get("last") == 7);
    CHECK(l.copy() == V{0, 1, 2, 3, 4, 5, 6, 7});
    CHECK_THROWS_AS(b.run(), mpact::ValueError);

    auto bad = m.batch();  // stops at the KeyError: the op before stays, the one after never ran
    bad.set(d, std::string("x"), 1);
    auto missing = bad.get(d, std::string("nope"));
    bad.set(d, std::string("y"), 1);
    CHECK_THROWS_AS(bad.run(), mpact::KeyError);
    CHECK_THROWS_AS(static_cast<void>(missing.get()), mpact::ValueError);
    CHECK(d.contains("x"));
    CHECK_FALSE(d.contains("y"));

    mpact::Manager other;
    auto foreign = other.dict<std::string, int>();
    auto mixed = m.batch();
    CHECK_THROWS_AS(mixed.set(foreign, std::string("a"), 1), mpact::ValueError);
}

TEST_CASE("nested proxies are shared, a plain nested value copied out is not (as Python)") {
    mpact::Manager m;
    // test_dict_proxy_nested / test_list_proxy_in_list: a dict of list proxies.
    auto outer = m.dict<std::string, mpact::List<int>>();
    auto inner = m.list<int>({1});
    outer.set("k", inner);
    outer.get("k").append(2);
    CHECK(inner.copy() == V{1, 2});
    auto lists = m.list<mpact::List<int>>({inner, m.list<int>({9})});
    lists.get(0).append(3);
    CHECK(inner.copy() == V{1, 2, 3});
    outer.clear();  // the inner proxy survives the outer's clear
    CHECK(inner.copy() == V{1, 2, 3});
    // d['k'].append(2) on a plain list value is lost in Python; so it is here.
    auto plain = m.dict<std::string, V>({{"k", V{1}}});
    auto copy = plain.get("k");
    copy.push_back(2);
    CHECK(plain.get("k") == V{1});
    plain.set("k", copy);  // reassigning is how to change it
    CHECK(plain.get("k") == V{1, 2});
}

TEST_CASE("namespace: _TestContainers.test_namespace") {
    mpact::Manager m;
    auto n = m.namespace_();
    n.set("name", std::string("Bob"));
    n.set("job", std::string("Builder"));
    n.set("_hidden", std::string("x"));
    CHECK(n.get<std::string>("name") == "Bob");
    CHECK(n.repr() == "Namespace(job='Builder', name='Bob')");
    n.del("job");
    CHECK(n.repr() == "Namespace(name='Bob')");
    CHECK_FALSE(n.has("job"));
    CHECK_THROWS_AS(static_cast<void>(n.get<std::string>("job")), mpact::AttributeError);
    CHECK_THROWS_AS(n.del("job"), mpact::AttributeError);
    n.set("n", 12);
    n.set("x", 1.5);
    n.set("v", std::vector<int>{1, 2});
    CHECK(n.repr() == "Namespace(n=12, name='Bob', v=[1, 2], x=1.5)");
    CHECK_THROWS_AS(static_cast<void>(n.get<int>("name")), mpact::ProtocolError);
}

TEST_CASE(
    "malformed operations are refused with ProtocolError, counted, and the manager serves on") {
    mpact::Manager m;
    auto d = m.dict<int, int>();
    namespace w = mpact::detail::mgr;
    const auto before = m.stats();
    // A value that is not msgpack, an unknown object, an unknown operation, wrong arity.
    CHECK_THROWS_AS(d.core().call(w::Code::d_set, {std::string("\xc1"), mpact::pack(1)}),
                    mpact::ProtocolError);
    CHECK_THROWS_AS(w::Core(m.ref(), 9999).call(w::Code::d_size), mpact::ProtocolError);
    CHECK_THROWS_AS(d.core().call(static_cast<w::Code>(200)), mpact::ProtocolError);
    CHECK_THROWS_AS(d.core().call(w::Code::d_get), mpact::ProtocolError);
    CHECK_THROWS_AS(d.core().call(w::Code::l_append, {mpact::pack(1)}), mpact::ProtocolError);
    // A message of a type the manager does not handle, and raw garbage of a known type.
    CHECK_THROWS(m.ref().request<int>(std::string("not a manager message"), 10s));
    CHECK_THROWS(mpact::detail::request_message(m.ref(), mpact::type_name<w::Call>(), "\x93\x01",
                                                mpact::deadline_after(10s)));
    const auto after = m.stats();
    CHECK(after.refused - before.refused == 5);
    CHECK(after.node_handler_errors - before.node_handler_errors >= 2);
    d.set(1, 2);
    CHECK(d.get(1) == 2);
}

TEST_CASE("a failed one-way set is raised by the same thread's next call, not lost") {
    mpact::Manager m;
    auto d = m.dict<int, int>();
    namespace w = mpact::detail::mgr;
    d.core().post(w::Code::d_set, {std::string("\xc1"), mpact::pack(1)});  // refused there
    CHECK_THROWS_AS(static_cast<void>(d.size()), mpact::ProtocolError);
    CHECK(d.size() == 0);  // reported once
    d.core().post(w::Code::d_set, {std::string("\xc1"), mpact::pack(1)});
    CHECK_THROWS_AS(d.sync(), mpact::ProtocolError);
    CHECK(m.stats().pending_errors == 0);
}

TEST_CASE("shutdown: proxies then raise ActorDownError, the process has ended") {
    mpact::Manager m;
    auto d = m.dict<int, int>();
    d.set_sync(1, 1);
    const auto pid = m.process().pid();
    CHECK(pid.has_value());
    CHECK(m.address().rfind("ipc://", 0) == 0);
    m.shutdown();
    m.shutdown();  // idempotent
    CHECK_THROWS_AS(static_cast<void>(d.get(1)), mpact::ActorDownError);
}
