// Value and Array handles under the templates: each operation is one request to the value's
// actor (add() a one-way message); indices are checked here first, against the size the
// handle carries, so a wrong index costs no message.
#include <mpact/detail/value_core.hpp>
#include <mpact/errors.hpp>

#include "lease.hpp"
#include "packed_number.hpp"
#include "value_actor.hpp"
#include "value_protocol.hpp"

#include <algorithm>
#include <memory>
#include <utility>

namespace mpact::detail {

using namespace sync_protocol;

namespace {
const char* number_name(Number n) {
    switch (n.kind) {
        case NumberKind::signed_integer:
            return "signed integers";
        case NumberKind::unsigned_integer:
            return "unsigned integers";
        case NumberKind::floating:
            return "floating-point numbers";
        case NumberKind::none:
            break;
    }
    return "non-numbers";
}

std::optional<ValueLock> make_lock(const ValueOptions& options) {
    if (const auto* lock = std::get_if<ValueLock>(&options.lock)) return *lock;
    if (std::get<bool>(options.lock)) return ValueLock(RLock());
    return std::nullopt;
}

std::string bits_name(Number n) {
    return n.kind == NumberKind::none ? std::string() : std::to_string(n.bits) + "-bit ";
}
}  // namespace

ValueCore::ValueCore(std::string_view kind, Number number, std::vector<std::string> values,
                     const ValueOptions& options)
    : size_(values.size()),
      kind_(static_cast<std::uint8_t>(number.kind)),
      bits_(number.bits),
      lock_(make_lock(options)) {
    for (auto& v : values) {
        std::string error;
        auto c = canonical(number, v, error);
        if (!c) throw ValueError(std::string(kind) + ": initial value unusable: " + error);
        v = std::move(*c);
    }
    const char* name = kind == "Array" ? "Array" : "Value";
    h_ = SyncHandle(name, std::make_unique<ValueActor>(name, number, std::move(values)));
}

ValueCore ValueCore::from_wire(const Wire& w, Number expected, std::string_view what) {
    const Number got{static_cast<NumberKind>(w.kind), w.bits};
    if (got != expected) {
        throw ValueError(std::string(what) + " rebuilt from the wire holds " + bits_name(got) +
                         number_name(got) + ", not " + bits_name(expected) + number_name(expected));
    }
    ValueCore core;
    core.h_ = SyncHandle(w.actor);
    core.size_ = w.size;
    core.kind_ = w.kind;
    core.bits_ = w.bits;
    if (w.lock) core.lock_ = ValueLock::from_wire(*w.lock);
    return core;
}

void ValueCore::check_index(std::uint64_t i) const {
    if (i >= size_) {
        throw IndexError("index " + std::to_string(i) + " out of range (size " +
                         std::to_string(size_) + "): invalid index");
    }
}

// Each operation first tries this process's copy under a leased lock (lease_cache.cpp): it
// runs there, with no message, while this process holds the lease of the value's lock.
LeaseSlot* ValueCore::leased_slot() const noexcept {
    return lock_ ? lock_->core().lease() : nullptr;
}

Number ValueCore::number() const noexcept {
    return {static_cast<NumberKind>(kind_), bits_};
}

std::string ValueCore::checked(std::string bytes) const {
    std::string error;
    auto c = canonical(number(), bytes, error);
    if (!c) throw ProtocolError(std::string(size_ == 1 ? "Value" : "Array") + ": " + error);
    return std::move(*c);
}

std::string ValueCore::load(std::uint64_t i) const {
    check_index(i);
    auto remote = [&] { return h_.call<std::string>(ValueLoad{i}); };
    std::string out;
    if (auto* s = leased_slot();
        s != nullptr && with_cached(*s, h_.actor(), i, remote, [&](std::string& e) {
            out = e;
            return false;
        })) {
        return out;
    }
    return remote();
}

std::vector<std::string> ValueCore::load(std::uint64_t first, std::uint64_t last) const {
    last = std::min(last, size_);
    first = std::min(first, last);
    auto remote = [&] { return h_.call<std::vector<std::string>>(ValueLoadSlice{first, last}); };
    std::vector<std::string> out;
    if (auto* s = leased_slot();
        s != nullptr &&
        with_cached_range(*s, h_.actor(), first, last, remote, [&](std::vector<std::string>& e) {
            out = e;
            return false;
        })) {
        return out;
    }
    return remote();
}

void ValueCore::store(std::uint64_t i, std::string value) const {
    check_index(i);
    if (auto* s = leased_slot()) {
        auto bytes = checked(value);
        // The element is not fetched first: it is overwritten whole.
        if (with_cached(
                *s, h_.actor(), i, [] { return std::string(); },
                [&](std::string& e) {
                    e = bytes;
                    return true;
                })) {
            return;
        }
    }
    h_.call(ValueStore{i, std::move(value)});
}

void ValueCore::store(std::uint64_t first, std::uint64_t last,
                      std::vector<std::string> values) const {
    if (auto* s = leased_slot()) {
        const auto end = std::min(last, size_);
        const auto begin = std::min(first, end);
        std::vector<std::string> canon;
        canon.reserve(values.size());
        for (auto& v : values) canon.push_back(checked(v));
        if (canon.size() != end - begin) {
            throw ValueError(std::string(size_ == 1 ? "Value" : "Array") +
                             ": can only assign sequence of same size (" +
                             std::to_string(canon.size()) + " values to a slice of " +
                             std::to_string(end - begin) + ")");
        }
        auto remote = [&] { return h_.call<std::vector<std::string>>(ValueLoadSlice{begin, end}); };
        if (with_cached_range(*s, h_.actor(), begin, end, remote, [&](std::vector<std::string>& e) {
                e = canon;
                return true;
            })) {
            return;
        }
    }
    h_.call(ValueStoreSlice{first, last, std::move(values)});
}

std::optional<std::string> ValueCore::cached_fetch(std::uint64_t i, ValueOp op,
                                                   const std::string& operand) const {
    auto* s = leased_slot();
    if (s == nullptr) return std::nullopt;
    std::string before;
    std::string error;
    if (!with_cached(
            *s, h_.actor(), i, [&] { return h_.call<std::string>(ValueLoad{i}); },
            [&](std::string& e) {
                auto next = combine(number(), op, e, checked(operand), error);
                if (!next) return false;
                before = std::exchange(e, std::move(*next));
                return true;
            })) {
        return std::nullopt;
    }
    if (!error.empty()) throw ValueError(error);
    return before;
}

std::string ValueCore::fetch(std::uint64_t i, ValueOp op, std::string operand) const {
    check_index(i);
    if (auto before = cached_fetch(i, op, operand)) return std::move(*before);
    return h_.call<std::string>(ValueFetch{i, static_cast<std::uint8_t>(op), std::move(operand)});
}

void ValueCore::apply(std::uint64_t i, ValueOp op, std::string operand) const {
    check_index(i);
    // Under a leased lock the copy here is the value: apply it there, in order.
    if (cached_fetch(i, op, operand)) return;
    h_.send(ValueFetch{i, static_cast<std::uint8_t>(op), std::move(operand)});
}

std::string ValueCore::exchange(std::uint64_t i, std::string desired) const {
    check_index(i);
    if (auto* s = leased_slot()) {
        auto bytes = checked(desired);
        std::string before;
        if (with_cached(
                *s, h_.actor(), i, [&] { return h_.call<std::string>(ValueLoad{i}); },
                [&](std::string& e) {
                    before = std::exchange(e, bytes);
                    return true;
                })) {
            return before;
        }
    }
    return h_.call<std::string>(ValueExchange{i, std::move(desired)});
}

bool ValueCore::compare_exchange(std::uint64_t i, std::string& expected,
                                 std::string desired) const {
    check_index(i);
    if (auto* s = leased_slot()) {
        auto want = checked(expected);
        auto bytes = checked(desired);
        bool exchanged = false;
        std::string current;
        if (with_cached(
                *s, h_.actor(), i, [&] { return h_.call<std::string>(ValueLoad{i}); },
                [&](std::string& e) {
                    exchanged = e == want;
                    if (!exchanged) {
                        current = e;
                        return false;
                    }
                    e = bytes;
                    return true;
                })) {
            if (!exchanged) expected = std::move(current);
            return exchanged;
        }
    }
    auto swapped = h_.call<ValueSwapped>(ValueCompareExchange{i, expected, std::move(desired)});
    if (!swapped.exchanged) expected = std::move(swapped.current);
    return swapped.exchanged;
}

const ValueLock& ValueCore::get_lock() const {
    if (!lock_) {
        throw ValueError(
            "this Value/Array was made with {.lock = false}: it has no lock (Python: "
            "AttributeError, 'get_lock')");
    }
    return *lock_;
}

}  // namespace mpact::detail
