// The list operations, on packed elements, with Python's index and slice rules
// (manager_list.hpp).
#include <mpact/errors.hpp>

#include "manager_actor.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

namespace mpact::detail::mgr {

namespace {

using I = std::int64_t;

I integer(const std::string& b) {
    return unpack<I>(b);
}
std::optional<I> bound(const std::string& b) {
    if (b.size() == 1 && static_cast<unsigned char>(b[0]) == 0xc0) return std::nullopt;  // nil
    return integer(b);
}

void need(const std::vector<std::string>& a, std::size_t n) {
    if (a.size() != n)
        throw ProtocolError("mpact::Manager: list operation given " + std::to_string(a.size()) +
                            " arguments, wants " + std::to_string(n));
}

// slice.indices(n): Python's clamping of start and stop for a step.
struct Range {
    I start, stop, step;
};
Range indices(std::optional<I> start, std::optional<I> stop, I step, I n) {
    if (step == 0) throw ValueError("slice step cannot be zero");
    auto fix = [&](std::optional<I> v, I dflt) {
        if (!v) return dflt;
        I x = *v;
        if (x < 0) {
            x += n;
            if (x < 0) x = step < 0 ? -1 : 0;
        } else if (x >= n) {
            x = step < 0 ? n - 1 : n;
        }
        return x;
    };
    return {fix(start, step < 0 ? n - 1 : 0), fix(stop, step < 0 ? -1 : n), step};
}

}  // namespace

Out run_list(ListObject& l, Code code, std::vector<std::string>& a) {
    auto& xs = l.items;
    const I n = static_cast<I>(xs.size());
    Out out;
    switch (code) {
        case Code::l_append:
            need(a, 1);
            check_value(a[0]);
            xs.push_back(std::move(a[0]));
            return out;
        case Code::l_extend:
            for (const auto& x : a) check_value(x);
            for (auto& x : a) xs.push_back(std::move(x));
            return out;
        case Code::l_insert: {
            need(a, 2);
            check_value(a[1]);
            I i = integer(a[0]);
            if (i < 0) i = std::max<I>(0, i + n);
            i = std::min(i, n);
            xs.insert(xs.begin() + i, std::move(a[1]));
            return out;
        }
        case Code::l_pop: {
            need(a, 1);
            if (n == 0) throw IndexError("pop from empty list");
            I i = integer(a[0]);
            if (i < 0) i += n;
            if (i < 0 || i >= n) throw IndexError("pop index out of range");
            out = one_value(std::move(xs[static_cast<std::size_t>(i)]));
            xs.erase(xs.begin() + i);
            return out;
        }
        case Code::l_remove:
        case Code::l_index: {
            need(a, 1);
            auto it = std::find(xs.begin(), xs.end(), a[0]);
            if (it == xs.end())
                throw ValueError(code == Code::l_remove ? "list.remove(x): x not in list"
                                                        : value_repr(a[0]) + " is not in list");
            if (code == Code::l_index)
                out.n = it - xs.begin();
            else
                xs.erase(it);
            return out;
        }
        case Code::l_count:
            need(a, 1);
            out.n = std::count(xs.begin(), xs.end(), a[0]);
            return out;
        case Code::l_size:
            out.n = n;
            return out;
        case Code::l_get:
        case Code::l_set: {
            need(a, code == Code::l_get ? 1 : 2);
            I i = integer(a[0]);
            if (i < 0) i += n;
            if (i < 0 || i >= n)
                throw IndexError(code == Code::l_get ? "list index out of range"
                                                     : "list assignment index out of range");
            auto& slot = xs[static_cast<std::size_t>(i)];
            if (code == Code::l_get) return one_value(slot);
            check_value(a[1]);
            slot = std::move(a[1]);
            return out;
        }
        case Code::l_slice: {
            need(a, 3);
            const auto r = indices(bound(a[0]), bound(a[1]), integer(a[2]), n);
            for (I i = r.start; r.step > 0 ? i < r.stop : i > r.stop; i += r.step)
                out.v.push_back(xs[static_cast<std::size_t>(i)]);
            return out;
        }
        case Code::l_set_slice: {
            if (a.size() < 2) need(a, 2);
            for (std::size_t k = 2; k < a.size(); ++k) check_value(a[k]);
            const auto r = indices(bound(a[0]), bound(a[1]), 1, n);
            const I stop = std::max(r.start, r.stop);
            xs.erase(xs.begin() + r.start, xs.begin() + stop);
            xs.insert(xs.begin() + r.start, std::make_move_iterator(a.begin() + 2),
                      std::make_move_iterator(a.end()));
            return out;
        }
        case Code::l_sort: {
            need(a, 1);
            const bool reverse = unpack<bool>(a[0]);
            // Stable, as Python's sort; reverse keeps equal elements in their order too.
            if (reverse)
                std::stable_sort(
                    xs.begin(), xs.end(),
                    [](const std::string& x, const std::string& y) { return value_less(y, x); });
            else
                std::stable_sort(xs.begin(), xs.end(), value_less);
            return out;
        }
        case Code::l_reverse:
            std::reverse(xs.begin(), xs.end());
            return out;
        case Code::l_clear:
            xs.clear();
            return out;
        case Code::l_copy:
            out.v = xs;
            return out;
        default:
            throw ProtocolError("mpact::Manager: operation " +
                                std::to_string(static_cast<int>(code)) + " is not a list's");
    }
}

}  // namespace mpact::detail::mgr
