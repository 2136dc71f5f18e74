#pragma once
/// mpact::Value<T>: one value shared by processes, held by an actor in the process that
/// created it; every operation is one message to it, so each is atomic.
///
///     void child(mpact::Value<double> v) { v.store(-4.25); }  // def f(v): v.value = -4.25
///     MPACT_TASK(child);
///     mpact::Value<double> v{3.625};                          // v = Value('d', 3.625)
///     mpact::Process p{child, v};                             // Process(target=f, args=(v,))
///     p.start(); p.join();
///     v.load();                                               // v.value → -4.25
///     v.fetch_add(1.0);                                       // no Python twin: one message
///     { std::scoped_lock g(v.get_lock()); v.store(v.load() * 2); }  // with v.get_lock(): ...
///
/// Python: multiprocessing.Value(typecode, v, lock=True): `.value` is load()/store(x) (the
/// words of std::atomic). T is any msgpack type (int, double, char, std::string, a struct
/// with MSGPACK_DEFINE...); fetch_add, fetch_sub and add are for arithmetic T only (not
/// bool), wrap around at T's width as std::atomic and ctypes do, and do not compile for
/// other T. compare_exchange compares msgpack bytes; for numbers, their values (msgpack-c
/// writes -0.0 as 0, so a Value<double> never holds -0.0; NaN equals a NaN of the same bits,
/// as std::atomic's bitwise compare). As in Python, a load-modify-store is not
/// atomic; take get_lock() around it, or use fetch_add.
/// Under a leased lock: while this process holds the lease of the value's lock (get_lock(),
/// see lock.hpp "Leases"), every operation of this process on the value works on a copy kept
/// with the lease — each element fetched once, then read and written here, no message — and
/// what it changed is written back to the value's actor before the lease goes to another
/// process, which then reads it. So Python's idiom `{ std::scoped_lock g(v.get_lock());
/// v.store(v.load() + 1); }` costs messages only when the lock changes process. The
/// contract is the robust mutex's: stores made under the lease by a process that then dies
/// are lost with it, and the next owner's get_lock().owner_died() is true (never silently).
/// Operations by another process that does not hold the lock meanwhile are not seen by the
/// copy and may be overwritten by its write-back: take the lock, as the lock is there for.
/// A value made with {.lock = false} has no lease: every operation is one message.
/// Order: add() does not wait; it is applied after every earlier message of the calling
/// thread to this value and before its later ones (the framework's per-thread FIFO); there
/// is no order between threads. Timeout: none needed (nothing parks; a request waits at
/// most 10 s for a stopped actor, then TimeoutError). Throws: ActorDownError (the creating
/// process has ended: the value is gone with it), ValueError (get_lock() on a value made
/// with {.lock = false}; a handle rebuilt as another number type), ProtocolError (a
/// reply that does not decode as T). The value lives while a handle to it exists in the
/// creating process. Thread-safety: any thread may use any handle at any time.
#include <mpact/codec.hpp>
#include <mpact/detail/value_core.hpp>
#include <mpact/value_lock.hpp>

#include <utility>

namespace mpact {

/// Python: multiprocessing.Value / RawValue (`{.lock = false}`).
template <class T>
class Value {
  public:
    /// A new value (its actor starts in this process) and, unless `options` says otherwise,
    /// a new RLock. Python: Value(typecode, initial, lock=...).
    explicit Value(const T& initial, const ValueOptions& options = {})
        : core_("Value", detail::number_of<T>(), {pack(initial)}, options) {}

    /// The value. Python: v.value.
    [[nodiscard]] T load() const { return unpack<T>(core_.load(0)); }
    /// Sets it. Python: v.value = x.
    void store(const T& x) const { core_.store(0, pack(x)); }
    /// Sets it to `x`; returns what it was.
    T exchange(const T& x) const { return unpack<T>(core_.exchange(0, pack(x))); }
    /// If it equals `expected`, sets it to `desired` and returns true; else writes its
    /// current value into `expected` and returns false (std::atomic's form).
    bool compare_exchange(T& expected, const T& desired) const;

    /// Adds `x`; returns the value before. One message (Python: with the lock, v.value += x).
    T fetch_add(const T& x) const requires detail::ValueNumber<T> {
        return unpack<T>(core_.fetch(0, detail::ValueOp::add, pack(x)));
    }
    /// Subtracts `x`; returns the value before.
    T fetch_sub(const T& x) const requires detail::ValueNumber<T> {
        return unpack<T>(core_.fetch(0, detail::ValueOp::sub, pack(x)));
    }
    /// Adds `x` without waiting (one-way, pipelined). A later load() from this thread sees
    /// it. A failure there is only counted (NodeStats::refused), never reported.
    void add(const T& x) const requires detail::ValueNumber<T> {
        core_.apply(0, detail::ValueOp::add, pack(x));
    }

    /// Its lock: the RLock made with it, or the lock given in its options. ValueError if it
    /// was made with {.lock = false} (Python: AttributeError). Python: get_lock().
    [[nodiscard]] const ValueLock& get_lock() const { return core_.get_lock(); }

    [[nodiscard]] const detail::ValueCore& core() const noexcept { return core_; }
    using Wire = detail::ValueCore::Wire;
    [[nodiscard]] auto packed() const { return core_.packed(); }
    static Value from_wire(const Wire& w) {
        return Value(detail::ValueCore::from_wire(w, detail::number_of<T>(), "Value"));
    }

  private:
    explicit Value(detail::ValueCore core) : core_(std::move(core)) {}
    detail::ValueCore core_;
};

template <class T>
bool Value<T>::compare_exchange(T& expected, const T& desired) const {
    auto bytes = pack(expected);
    if (core_.compare_exchange(0, bytes, pack(desired))) return true;
    expected = unpack<T>(bytes);
    return false;
}

}  // namespace mpact
