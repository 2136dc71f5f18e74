#include "value_actor.hpp"

#include <mpact/errors.hpp>

#include "packed_number.hpp"

#include <algorithm>
#include <utility>

namespace mpact::detail {

using namespace sync_protocol;

ValueActor::ValueActor(const char* kind, Number number, std::vector<std::string> values)
    : SyncActor(kind), number_(number), values_(std::move(values)) {
    handle([this](const Checked<ValueLoad>& m, Reply<std::string> reply) {
        if (!m.value) return refuse(reply, m.error);
        if (in_range(m.value->index, reply)) reply(values_[m.value->index]);
    });
    handle([this](const Checked<ValueLoadSlice>& m, Reply<std::vector<std::string>> reply) {
        if (!m.value) return refuse(reply, m.error);
        const auto last = std::min<std::uint64_t>(m.value->last, values_.size());
        const auto first = std::min(m.value->first, last);
        using Diff = std::vector<std::string>::difference_type;
        reply(std::vector<std::string>(values_.begin() + static_cast<Diff>(first),
                                       values_.begin() + static_cast<Diff>(last)));
    });
    handle([this](const Checked<ValueStore>& m, Reply<Nil> reply) {
        if (!m.value) return refuse(reply, m.error);
        auto value = element(m.value->value, reply);
        if (!value || !in_range(m.value->index, reply)) return;
        values_[m.value->index] = std::move(*value);
        reply(Nil{});
    });
    handle([this](const Checked<ValueStoreSlice>& m, Reply<Nil> reply) {
        if (!m.value) return refuse(reply, m.error);
        on_store_slice(*m.value, std::move(reply));
    });
    handle([this](const Checked<ValueFetch>& m, Reply<std::string> reply) {
        if (!m.value) return refuse(reply, m.error);
        on_fetch(*m.value, std::move(reply));
    });
    handle([this](const Checked<ValueExchange>& m, Reply<std::string> reply) {
        if (!m.value) return refuse(reply, m.error);
        auto value = element(m.value->desired, reply);
        if (!value || !in_range(m.value->index, reply)) return;
        reply(std::exchange(values_[m.value->index], std::move(*value)));
    });
    handle([this](const Checked<ValueCompareExchange>& m, Reply<ValueSwapped> reply) {
        if (!m.value) return refuse(reply, m.error);
        on_compare_exchange(*m.value, std::move(reply));
    });
}

template <class R>
bool ValueActor::in_range(std::uint64_t i, Reply<R>& reply) {
    if (i < values_.size()) return true;
    if (reply.expired()) count_refused();  // a one-way add: nobody to tell, so it is counted
    reply.fail(IndexError(std::string(kind_) + " index " + std::to_string(i) +
                          " out of range (size " + std::to_string(values_.size()) +
                          "): invalid index"));
    return false;
}

template <class R>
std::optional<std::string> ValueActor::element(const std::string& bytes, Reply<R>& reply) {
    std::string error;
    auto value = canonical(number_, bytes, error);
    if (!value) refuse(reply, error);
    return value;
}

void ValueActor::on_store_slice(const ValueStoreSlice& m, Reply<Nil> reply) {
    const auto last = std::min<std::uint64_t>(m.last, values_.size());
    const auto first = std::min(m.first, last);
    std::vector<std::string> values;
    values.reserve(m.values.size());
    for (const auto& bytes : m.values) {
        auto value = element(bytes, reply);
        if (!value) return;
        values.push_back(std::move(*value));
    }
    if (values.size() != last - first) {
        reply.fail(ValueError(std::string(kind_) + ": can only assign sequence of same size (" +
                              std::to_string(values.size()) + " values to a slice of " +
                              std::to_string(last - first) + ")"));
        return;
    }
    std::move(values.begin(), values.end(),
              values_.begin() + static_cast<std::vector<std::string>::difference_type>(first));
    reply(Nil{});
}

void ValueActor::on_fetch(const ValueFetch& m, Reply<std::string> reply) {
    if (number_.kind == NumberKind::none) {
        if (reply.expired()) count_refused();
        reply.fail(ValueError(std::string(kind_) + ": fetch_add/fetch_sub/add need numbers"));
        return;
    }
    if (m.op > static_cast<std::uint8_t>(ValueOp::sub)) {
        return refuse(reply, "unknown operation " + std::to_string(m.op));
    }
    if (!in_range(m.index, reply)) return;
    std::string error;
    auto& current = values_[m.index];
    auto next = combine(number_, static_cast<ValueOp>(m.op), current, m.operand, error);
    if (!next) return refuse(reply, error);
    reply(std::exchange(current, std::move(*next)));
}

void ValueActor::on_compare_exchange(const ValueCompareExchange& m, Reply<ValueSwapped> reply) {
    auto expected = element(m.expected, reply);
    if (!expected) return;
    auto desired = element(m.desired, reply);
    if (!desired || !in_range(m.index, reply)) return;
    auto& current = values_[m.index];
    if (current != *expected) {
        reply(ValueSwapped{false, current});
        return;
    }
    current = std::move(*desired);
    reply(ValueSwapped{true, current});
}

}  // namespace mpact::detail
