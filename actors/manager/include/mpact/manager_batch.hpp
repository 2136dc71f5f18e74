#pragma once
/// mpact::Batch: several manager operations sent in one message and run there back to back,
/// with no other client's operation in between (Python has no twin: each proxy call is a
/// round trip of its own).
///
///     auto b = m.batch();
///     auto hits = b.fetch_add(d, "hits", 1);   // a Pending<int>
///     b.set(d, "last", 7);
///     b.append(l, 7);
///     b.run();                                 // one message, one reply
///     int before = hits.get();
///
/// Errors: the operations run in order; the first that fails stops the batch and run()
/// raises its error (KeyError...). Those before it stay applied (no rollback), the rest do
/// not run; no result comes back, so every Pending::get() of that batch raises ValueError. Every
/// proxy in a batch must belong to the batch's manager (ValueError at add). Pending::get() before
/// run() → ValueError. Thread-safety: a Batch is for one thread; the proxies in it are not tied to
/// one.
#include <mpact/detail/manager_wire.hpp>
#include <mpact/errors.hpp>
#include <mpact/manager_dict.hpp>
#include <mpact/manager_list.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace mpact {

namespace detail::mgr {
struct BatchResults {
    bool ran = false;
    std::vector<Out> out;
};
}  // namespace detail::mgr

/// One operation's answer, available after Batch::run().
template <class T>
class Pending {
  public:
    Pending(std::shared_ptr<detail::mgr::BatchResults> r, std::size_t i)
        : results_(std::move(r)), index_(i) {}
    [[nodiscard]] T get() const {
        const auto& o = out();
        if constexpr (std::is_same_v<T, bool>) {
            return o.n != 0;
        } else {
            if (o.v.empty()) throw ValueError("mpact::Pending: this operation returned no value");
            return unpack<T>(o.v[0]);
        }
    }

  private:
    const detail::mgr::Out& out() const {
        if (!results_->ran) throw ValueError("mpact::Pending::get() before Batch::run()");
        if (index_ >= results_->out.size())
            throw ValueError("mpact::Pending: the batch stopped before this operation ran");
        return results_->out[index_];
    }
    std::shared_ptr<detail::mgr::BatchResults> results_;
    std::size_t index_;
};

class Batch {
  public:
    explicit Batch(ActorRef manager) : manager_(std::move(manager)) {}

    template <class K, class V>
    void set(const Dict<K, V>& d, const K& k, const V& v) {
        add(d.core(), C::d_set, {pack(k), pack(v)});
    }
    template <class K, class V>
    Pending<V> get(const Dict<K, V>& d, const K& k) {
        return Pending<V>(results_, add(d.core(), C::d_get, {pack(k)}));
    }
    template <class K, class V>
    Pending<V> fetch_add(const Dict<K, V>& d, const K& k, const V& x) {
        return Pending<V>(results_, add(d.core(), C::d_fetch_add, {pack(k), pack(x)}));
    }
    /// Sets d[k] = desired if it equals expected; the Pending says whether it did.
    template <class K, class V>
    Pending<bool> compare_exchange(const Dict<K, V>& d, const K& k, const V& expected,
                                   const V& desired) {
        return Pending<bool>(results_,
                             add(d.core(), C::d_cas, {pack(k), pack(expected), pack(desired)}));
    }
    template <class K, class V>
    Pending<bool> erase(const Dict<K, V>& d, const K& k) {
        return Pending<bool>(results_, add(d.core(), C::d_erase, {pack(k)}));
    }
    template <class T>
    void append(const List<T>& l, const T& x) {
        add(l.core(), C::l_append, {pack(x)});
    }
    template <class T>
    Pending<T> pop(const List<T>& l, std::int64_t i = -1) {
        return Pending<T>(results_, add(l.core(), C::l_pop, {pack(i)}));
    }

    /// How many operations are queued.
    [[nodiscard]] std::size_t size() const noexcept { return ops_.size(); }
    /// Sends them all in one message and waits for the one reply; see the header for errors.
    /// A Batch runs once (ValueError after).
    void run();

  private:
    using C = detail::mgr::Code;
    std::size_t add(const detail::mgr::Core& core, C code, std::vector<std::string> args);

    ActorRef manager_;
    std::vector<detail::mgr::Op> ops_;
    std::shared_ptr<detail::mgr::BatchResults> results_ =
        std::make_shared<detail::mgr::BatchResults>();
};

}  // namespace mpact
