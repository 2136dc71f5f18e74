#pragma once
/// mpact::Dict<K, V>: a proxy to a dict held by a Manager's process. Cheap to copy; pass it
/// to a child Process (any start method) or a Pool task as an argument and use it there.
///
///     mpact::Manager m;
///     auto d = m.dict<int, std::string>();        // d = manager.dict()
///     d.set(1, "one");                            // d[1] = 'one'
///     d.get(1);                                   // d[1]        → "one"
///     d.get(2, "none");                           // d.get(2, 'none')
///     d.fetch_add(7, 1);                          // no Python twin: one atomic message
///
/// Python: a SyncManager dict proxy. Every operation is one message to the manager and so is
/// atomic there; keys keep insertion order, as Python's dict. Keys compare by their msgpack
/// bytes: use one key type per dict (1 and 1.0 are different keys, unlike Python).
/// One-way set: set() does not wait for the manager (as Python's `d[k] = v` does): it is
/// applied before any later operation of the calling thread on this manager (per-thread
/// FIFO), so `d.set(k, v); d.get(k)` sees v. If it fails (the manager refused it), the
/// calling thread's next synchronous operation on this manager raises that error instead of
/// running; if the manager's process dies with it unapplied, it is lost and every later
/// operation raises ActorDownError. `set_sync()` waits and raises at once; `sync()` is a
/// no-op round trip that reports an earlier failure.
/// Not propagated: a value read out is a copy. `auto v = d.get(k); v.push_back(2);` changes
/// nothing in the manager (Python loses `d[k].append(2)` the same way); write it back with
/// set(), or store a List proxy as the value (nested proxies are shared).
/// Throws: KeyError (get(k), pop(k) of a missing key), ActorDownError (the manager has
/// shut down or died: detected within 1 s), TimeoutError (no answer in 30 s: a stopped
/// manager), ProtocolError (a stored value that does not decode as V).
/// Thread-safety: any thread may use any proxy at any time.
#include <mpact/detail/manager_wire.hpp>

#include <cstddef>
#include <map>
#include <utility>
#include <vector>

namespace mpact {

template <class K, class V>
class Dict {
  public:
    Dict() = default;
    explicit Dict(detail::mgr::Core core) : core_(std::move(core)) {}

    /// d[k]; KeyError if absent.
    [[nodiscard]] V get(const K& k) const { return one<V>(C::d_get, {pack(k)}); }
    /// d.get(k, default).
    [[nodiscard]] V get(const K& k, const V& otherwise) const {
        return one<V>(C::d_get_or, {pack(k), pack(otherwise)});
    }
    /// d[k] = v, one-way (see the header).
    void set(const K& k, const V& v) const { core_.post(C::d_set, {pack(k), pack(v)}); }
    /// d[k] = v, waiting for the manager.
    void set_sync(const K& k, const V& v) const { core_.call(C::d_set, {pack(k), pack(v)}); }
    /// k in d.
    [[nodiscard]] bool contains(const K& k) const {
        return core_.call(C::d_contains, {pack(k)}).n != 0;
    }
    /// Removes k if present; true if it was. (Python's `del d[k]` raises KeyError: pop(k).)
    bool erase(const K& k) const { return core_.call(C::d_erase, {pack(k)}).n != 0; }
    /// d.pop(k); KeyError if absent.
    V pop(const K& k) const { return one<V>(C::d_pop, {pack(k)}); }
    /// d.pop(k, default).
    V pop(const K& k, const V& otherwise) const {
        return one<V>(C::d_pop_or, {pack(k), pack(otherwise)});
    }
    /// d.setdefault(k, v): the value at k, after storing v there if k was absent.
    V setdefault(const K& k, const V& v) const {
        return one<V>(C::d_setdefault, {pack(k), pack(v)});
    }
    /// d.update(m): every pair in one message, applied at once.
    void update(const std::map<K, V>& m) const { core_.call(C::d_update, pairs(m)); }
    template <class Map>
    void update(const Map& m) const {
        core_.call(C::d_update, pairs(m));
    }
    /// len(d).
    [[nodiscard]] std::size_t size() const {
        return static_cast<std::size_t>(core_.call(C::d_size).n);
    }
    [[nodiscard]] std::vector<K> keys() const { return all<K>(C::d_keys); }
    [[nodiscard]] std::vector<V> values() const { return all<V>(C::d_values); }
    /// d.items(), in insertion order.
    [[nodiscard]] std::vector<std::pair<K, V>> items() const {
        auto out = core_.call(C::d_items);
        std::vector<std::pair<K, V>> r;
        r.reserve(out.v.size() / 2);
        for (std::size_t i = 0; i + 1 < out.v.size(); i += 2)
            r.emplace_back(unpack<K>(out.v[i]), unpack<V>(out.v[i + 1]));
        return r;
    }
    void clear() const { core_.call(C::d_clear); }
    /// d.copy(), as a plain map (a copy: changing it changes nothing in the manager).
    [[nodiscard]] std::map<K, V> copy() const {
        auto it = items();
        return std::map<K, V>(it.begin(), it.end());
    }
    /// Adds x to the number at k (absent counts as 0) in one message; returns the value
    /// before. The manager adds as int64 (both integers) or double; V converts back.
    V fetch_add(const K& k, const V& x) const { return one<V>(C::d_fetch_add, {pack(k), pack(x)}); }
    /// If d[k] equals `expected` (msgpack bytes), sets it to `desired` and returns true;
    /// else writes the current value into `expected` and returns false. An absent k never
    /// equals; `expected` is then left as it was.
    bool compare_exchange(const K& k, V& expected, const V& desired) const {
        auto out = core_.call(C::d_cas, {pack(k), pack(expected), pack(desired)});
        if (out.n != 0) return true;
        if (!out.v.empty()) expected = unpack<V>(out.v[0]);
        return false;
    }
    /// A round trip that raises an earlier one-way set's failure, if any.
    void sync() const { core_.call(C::sync); }

    [[nodiscard]] const detail::mgr::Core& core() const noexcept { return core_; }
    friend bool operator==(const Dict&, const Dict&) = default;
    MSGPACK_DEFINE(core_)

  private:
    using C = detail::mgr::Code;
    template <class T>
    T one(C code, std::vector<std::string> args) const {
        return unpack<T>(core_.call(code, std::move(args)).v.at(0));
    }
    template <class T>
    std::vector<T> all(C code) const {
        auto out = core_.call(code);
        std::vector<T> r;
        r.reserve(out.v.size());
        for (auto& b : out.v) r.push_back(unpack<T>(b));
        return r;
    }
    template <class Map>
    static std::vector<std::string> pairs(const Map& m) {
        std::vector<std::string> a;
        a.reserve(m.size() * 2);
        for (const auto& [k, v] : m) {
            a.push_back(pack(k));
            a.push_back(pack(v));
        }
        return a;
    }
    detail::mgr::Core core_;
};

}  // namespace mpact
