#pragma once
/// mpact::List<T>: a proxy to a list held by a Manager's process. Cheap to copy; pass it to
/// a child Process (any start method) or a Pool task and use it there.
///
///     auto l = m.list<int>();          // l = manager.list()
///     l.append(3); l.extend({1, 2});   // l.append(3); l.extend([1, 2])
///     l.get(-1);                       // l[-1]       → 2
///     l.slice(0, 2);                   // l[0:2]      → {3, 1}
///     l.sort();                        // l.sort()    → [1, 2, 3]
///
/// Python: a SyncManager list proxy. Indices are Python's: negative counts from the end;
/// slices clamp; insert clamps. Every operation is one message, atomic at the manager.
/// Equality (index, count, remove) compares msgpack bytes; sort() orders the decoded msgpack
/// values in the manager: numbers by value, strings and byte strings bytewise, arrays (a
/// tuple, a vector, a MSGPACK_DEFINE struct) element by element — C++'s `<` for those
/// types; across kinds nil < bool < number < string < binary < array < map.
/// append() is one-way, as Dict::set (see manager_dict.hpp): applied before the calling
/// thread's later operations; a failure raised by its next synchronous one.
/// Not propagated: a value read out is a copy (see manager_dict.hpp); store a proxy to share.
/// Throws: IndexError (get/set/pop out of range, pop of an empty list), ValueError
/// (index/remove of a value not there), ActorDownError, TimeoutError, ProtocolError.
/// Thread-safety: any thread may use any proxy at any time.
#include <mpact/detail/manager_wire.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

namespace mpact {

template <class T>
class List {
  public:
    List() = default;
    explicit List(detail::mgr::Core core) : core_(std::move(core)) {}

    /// l.append(x), one-way.
    void append(const T& x) const { core_.post(C::l_append, {pack(x)}); }
    /// l.extend(xs), one message.
    void extend(const std::vector<T>& xs) const { core_.call(C::l_extend, packs(xs)); }
    void extend(std::initializer_list<T> xs) const { extend(std::vector<T>(xs)); }
    /// l.insert(i, x).
    void insert(std::int64_t i, const T& x) const { core_.call(C::l_insert, {pack(i), pack(x)}); }
    /// l.pop(i) (default the last); IndexError when empty or out of range.
    T pop(std::int64_t i = -1) const { return one(C::l_pop, {pack(i)}); }
    /// l.remove(x): the first equal element; ValueError if none.
    void remove(const T& x) const { core_.call(C::l_remove, {pack(x)}); }
    /// l.index(x); ValueError if absent.
    [[nodiscard]] std::size_t index(const T& x) const {
        return static_cast<std::size_t>(core_.call(C::l_index, {pack(x)}).n);
    }
    /// l.count(x).
    [[nodiscard]] std::size_t count(const T& x) const {
        return static_cast<std::size_t>(core_.call(C::l_count, {pack(x)}).n);
    }
    /// len(l).
    [[nodiscard]] std::size_t size() const {
        return static_cast<std::size_t>(core_.call(C::l_size).n);
    }
    /// l[i]; IndexError out of range.
    [[nodiscard]] T get(std::int64_t i) const { return one(C::l_get, {pack(i)}); }
    /// l[i] = x; IndexError out of range.
    void set(std::int64_t i, const T& x) const { core_.call(C::l_set, {pack(i), pack(x)}); }
    /// l[start:stop:step]; nullopt is Python's omitted bound. ValueError for step 0.
    [[nodiscard]] std::vector<T> slice(std::optional<std::int64_t> start,
                                       std::optional<std::int64_t> stop,
                                       std::int64_t step = 1) const {
        return many(core_.call(C::l_slice, {bound(start), bound(stop), pack(step)}));
    }
    /// l[start:stop] = xs (step 1; the length may change).
    void set_slice(std::optional<std::int64_t> start, std::optional<std::int64_t> stop,
                   const std::vector<T>& xs) const {
        auto args = packs(xs);
        args.insert(args.begin(), {bound(start), bound(stop)});
        core_.call(C::l_set_slice, std::move(args));
    }
    /// l.sort(reverse=...), in the manager (see the header for the order).
    void sort(bool reverse = false) const { core_.call(C::l_sort, {pack(reverse)}); }
    void reverse() const { core_.call(C::l_reverse); }
    void clear() const { core_.call(C::l_clear); }
    /// list(l), a plain copy.
    [[nodiscard]] std::vector<T> copy() const { return many(core_.call(C::l_copy)); }
    /// A round trip that raises an earlier one-way append's failure, if any.
    void sync() const { core_.call(C::sync); }

    [[nodiscard]] const detail::mgr::Core& core() const noexcept { return core_; }
    friend bool operator==(const List&, const List&) = default;
    MSGPACK_DEFINE(core_)

  private:
    using C = detail::mgr::Code;
    T one(C code, std::vector<std::string> args) const {
        return unpack<T>(core_.call(code, std::move(args)).v.at(0));
    }
    static std::vector<T> many(const detail::mgr::Out& out) {
        std::vector<T> r;
        r.reserve(out.v.size());
        for (auto& b : out.v) r.push_back(unpack<T>(b));
        return r;
    }
    static std::vector<std::string> packs(const std::vector<T>& xs) {
        std::vector<std::string> a;
        a.reserve(xs.size());
        for (auto& x : xs) a.push_back(pack(x));
        return a;
    }
    static std::string bound(std::optional<std::int64_t> b) {
        return b ? pack(*b) : pack(msgpack::type::nil_t{});
    }
    detail::mgr::Core core_;
};

}  // namespace mpact
