#pragma once
/// mpact::Array<T>: a fixed-size array shared by processes, held by an actor in the process
/// that created it; every operation (an element, a slice, the whole) is one message to it.
///
///     void prefix_sums(mpact::Array<int> a) {                 // def f(a):
///         for (std::size_t i = 1; i < a.size(); ++i)          //   for i in range(1, len(a)):
///             a.store(i, a.load(i) + a.load(i - 1));          //     a[i] += a[i-1]
///     }
///     MPACT_TASK(prefix_sums);
///     mpact::Array<int> a{std::vector<int>{1, 2, 3}};         // a = Array('i', [1, 2, 3])
///     mpact::Array<int> zeros(10);                            // Array('i', 10)
///     a.load(0, 2);                                           // a[0:2] → {1, 2}
///     a.store(1, std::vector<int>{7, 8});                     // a[1:3] = [7, 8]
///
/// Python: multiprocessing.Array(typecode, size_or_initializer, lock=True). T is any
/// msgpack type; fetch_add/fetch_sub/add are for arithmetic T only, as in Value<T>.
/// Slices are [first, last), clamped to the size as Python's are (no negative indices).
/// size() is carried by the handle: no message. Not done yet (issue #14 item 5): the array
/// does not travel with a lock's lease (lease caching does not exist yet).
/// Throws: IndexError (an element index ≥ size(), before any message: Python's "invalid
/// index"), ValueError (a slice store whose length differs from the slice's: Python's "Can
/// only assign sequence of same size"; get_lock() on an array made with {.lock = false}),
/// ActorDownError (the creating process has ended). Order, timeout, thread-safety: as
/// Value<T>.
#include <mpact/codec.hpp>
#include <mpact/detail/value_core.hpp>
#include <mpact/value_lock.hpp>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace mpact {

/// Python: multiprocessing.Array / RawArray (`{.lock = false}`).
template <class T>
class Array {
  public:
    /// `size` elements of T{} (zeros). Python: Array(typecode, size).
    explicit Array(std::size_t size, const ValueOptions& options = {})
        : core_("Array", detail::number_of<T>(), std::vector<std::string>(size, pack(T{})),
                options) {}
    /// A copy of `values`. Python: Array(typecode, sequence).
    explicit Array(const std::vector<T>& values, const ValueOptions& options = {})
        : core_("Array", detail::number_of<T>(), pack_all(values), options) {}

    /// The number of elements. Python: len(a).
    [[nodiscard]] std::size_t size() const noexcept { return core_.size(); }
    /// Element i. Python: a[i].
    [[nodiscard]] T load(std::size_t i) const { return unpack<T>(core_.load(i)); }
    /// Sets element i. Python: a[i] = x.
    void store(std::size_t i, const T& x) const { core_.store(i, pack(x)); }
    /// Elements [first, last), clamped. Python: a[first:last].
    [[nodiscard]] std::vector<T> load(std::size_t first, std::size_t last) const {
        return unpack_all(core_.load(first, last));
    }
    /// Replaces [first, last), clamped, by `values` of the same length. Python:
    /// a[first:last] = values.
    void store(std::size_t first, std::size_t last, const std::vector<T>& values) const {
        core_.store(first, last, pack_all(values));
    }
    /// Replaces [first, first + values.size()); ValueError if that passes the end.
    void store(std::size_t first, const std::vector<T>& values) const {
        core_.store(first, first + values.size(), pack_all(values));
    }
    /// Every element. Python: a[:].
    [[nodiscard]] std::vector<T> to_vector() const { return load(0, size()); }

    /// Element i += x; returns element i before. One message.
    T fetch_add(std::size_t i, const T& x) const requires detail::ValueNumber<T> {
        return unpack<T>(core_.fetch(i, detail::ValueOp::add, pack(x)));
    }
    /// Element i -= x; returns element i before.
    T fetch_sub(std::size_t i, const T& x) const requires detail::ValueNumber<T> {
        return unpack<T>(core_.fetch(i, detail::ValueOp::sub, pack(x)));
    }
    /// Element i += x without waiting (one-way, ordered as Value<T>::add).
    void add(std::size_t i, const T& x) const requires detail::ValueNumber<T> {
        core_.apply(i, detail::ValueOp::add, pack(x));
    }
    /// Sets element i to `x`; returns what it was.
    T exchange(std::size_t i, const T& x) const { return unpack<T>(core_.exchange(i, pack(x))); }

    /// As Value<T>::get_lock(). Python: get_lock().
    [[nodiscard]] const ValueLock& get_lock() const { return core_.get_lock(); }

    [[nodiscard]] const detail::ValueCore& core() const noexcept { return core_; }
    using Wire = detail::ValueCore::Wire;
    [[nodiscard]] auto packed() const { return core_.packed(); }
    static Array from_wire(const Wire& w) {
        return Array(detail::ValueCore::from_wire(w, detail::number_of<T>(), "Array"));
    }

  private:
    explicit Array(detail::ValueCore core) : core_(std::move(core)) {}
    static std::vector<std::string> pack_all(const std::vector<T>& values) {
        std::vector<std::string> out;
        out.reserve(values.size());
        for (const auto& v : values) out.push_back(pack(v));
        return out;
    }
    static std::vector<T> unpack_all(const std::vector<std::string>& bytes) {
        std::vector<T> out;
        out.reserve(bytes.size());
        for (const auto& b : bytes) out.push_back(unpack<T>(b));
        return out;
    }
    detail::ValueCore core_;
};

}  // namespace mpact
