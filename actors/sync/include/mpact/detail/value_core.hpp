#pragma once
/// The engine under Value<T> and Array<T>, free of T: the actor holds each element as its
/// msgpack bytes, this core sends and receives those bytes, and the templates only pack and
/// unpack. Not for direct use; see <mpact/value.hpp> and <mpact/array.hpp>.
#include <mpact/detail/sync_handle.hpp>
#include <mpact/value_lock.hpp>

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace mpact::detail {

/// What the actor must know of T to do arithmetic on its bytes, with T's width and its
/// wrap-around (ctypes and std::atomic wrap silently; so does the actor).
enum class NumberKind : std::uint8_t { none = 0, signed_integer, unsigned_integer, floating };
struct Number {
    NumberKind kind = NumberKind::none;
    std::uint8_t bits = 0;
    friend bool operator==(const Number&, const Number&) = default;
};
/// The types fetch_add, fetch_sub and add accept: std::atomic's arithmetic types.
template <class T>
concept ValueNumber = std::is_arithmetic_v<T> && !std::same_as<T, bool>;

template <class T>
constexpr Number number_of() noexcept {
    constexpr auto bits = static_cast<std::uint8_t>(sizeof(T) * 8);
    if constexpr (!ValueNumber<T>) {
        return {};
    } else if constexpr (std::is_floating_point_v<T>) {
        static_assert(sizeof(T) == 4 || sizeof(T) == 8, "Value: float or double only");
        return {NumberKind::floating, bits};
    } else if constexpr (std::is_signed_v<T>) {
        return {NumberKind::signed_integer, bits};
    } else {
        return {NumberKind::unsigned_integer, bits};
    }
}

/// A read-modify-write done by the actor in one message.
enum class ValueOp : std::uint8_t { add = 0, sub = 1 };

class ValueCore {
  public:
    ValueCore() = default;
    /// Hosts a new actor holding `values` (each one element's msgpack bytes) in this process,
    /// under a name starting with `kind` ("Value#3"), and the lock `options` asks for.
    ValueCore(std::string_view kind, Number number, std::vector<std::string> values,
              const ValueOptions& options);

    [[nodiscard]] std::uint64_t size() const noexcept { return size_; }
    [[nodiscard]] std::string load(std::uint64_t i) const;
    /// Elements [first, last), clamped to the size as Python's slices are.
    [[nodiscard]] std::vector<std::string> load(std::uint64_t first, std::uint64_t last) const;
    void store(std::uint64_t i, std::string value) const;
    /// Replaces [first, last) (clamped) by `values`; ValueError unless the lengths match.
    void store(std::uint64_t first, std::uint64_t last, std::vector<std::string> values) const;
    /// Applies `op` with `operand`; returns the element before.
    [[nodiscard]] std::string fetch(std::uint64_t i, ValueOp op, std::string operand) const;
    /// The same, one-way: applied after this thread's earlier messages, before its later ones.
    void apply(std::uint64_t i, ValueOp op, std::string operand) const;
    [[nodiscard]] std::string exchange(std::uint64_t i, std::string desired) const;
    /// True and `desired` stored if the element's bytes equal `expected`'s; else false and
    /// `expected` set to the element's bytes.
    [[nodiscard]] bool compare_exchange(std::uint64_t i, std::string& expected,
                                        std::string desired) const;
    [[nodiscard]] const ValueLock& get_lock() const;
    [[nodiscard]] const SyncHandle& handle() const noexcept { return h_; }

    struct Wire {
        ActorRef actor;
        std::uint64_t size = 0;
        std::uint8_t kind = 0;
        std::uint8_t bits = 0;
        std::optional<LockCore::Wire> lock;
        MSGPACK_DEFINE(actor, size, kind, bits, lock)
    };
    /// The Wire's fields by reference (see SyncWire in sync_handle.hpp).
    [[nodiscard]] auto packed() const {
        using LockFields = decltype(std::declval<const ValueLock&>().packed());
        std::optional<LockFields> lock;
        if (lock_) lock.emplace(lock_->packed());
        return std::tuple<const ActorRef&, const std::uint64_t&, const std::uint8_t&,
                          const std::uint8_t&, std::optional<LockFields>>(h_.actor(), size_, kind_,
                                                                          bits_, std::move(lock));
    }
    /// A handle to the value on the wire; ValueError if it holds another kind of number than
    /// `expected` (a Value<int> rebuilt as a Value<double>).
    static ValueCore from_wire(const Wire& w, Number expected, std::string_view what);

  private:
    void check_index(std::uint64_t i) const;  // IndexError past the size
    // The lease state of the value's lock in this process, or null (no lock).
    [[nodiscard]] LeaseSlot* leased_slot() const noexcept;
    [[nodiscard]] Number number() const noexcept;
    // `bytes` in the actor's canonical form; ProtocolError if they are not one element.
    [[nodiscard]] std::string checked(std::string bytes) const;
    // fetch(i, op, operand) on this process's copy under a leased lock: the element before,
    // or nullopt when there is no lease here (the actor must do it).
    [[nodiscard]] std::optional<std::string> cached_fetch(std::uint64_t i, ValueOp op,
                                                          const std::string& operand) const;

    SyncHandle h_;
    std::uint64_t size_ = 0;
    std::uint8_t kind_ = 0;
    std::uint8_t bits_ = 0;
    std::optional<ValueLock> lock_;
};

}  // namespace mpact::detail
