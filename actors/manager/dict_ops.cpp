// The dict and namespace operations, on packed keys and values (manager_dict.hpp).
#include <mpact/errors.hpp>

#include "manager_actor.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace mpact::detail::mgr {

std::string* DictObject::find(const std::string& k) {
    auto it = index.find(k);
    return it == index.end() ? nullptr : &it->second->second;
}

void DictObject::put(const std::string& k, std::string v) {
    if (auto* slot = find(k)) {
        *slot = std::move(v);
        return;
    }
    pairs.emplace_back(k, std::move(v));
    index.emplace(k, std::prev(pairs.end()));
}

bool DictObject::erase(const std::string& k) {
    auto it = index.find(k);
    if (it == index.end()) return false;
    pairs.erase(it->second);
    index.erase(it);
    return true;
}

void DictObject::clear() {
    pairs.clear();
    index.clear();
}

namespace {

void need(const std::vector<std::string>& args, std::size_t n) {
    if (args.size() != n)
        throw ProtocolError("mpact::Manager: operation given " + std::to_string(args.size()) +
                            " arguments, wants " + std::to_string(n));
    for (const auto& a : args) check_value(a);
}

[[noreturn]] void missing(const DictObject& d, const std::string& k) {
    if (d.is_namespace)
        throw AttributeError("'Namespace' object has no attribute " + value_repr(k));
    throw KeyError(value_repr(k));
}

}  // namespace

Out run_dict(DictObject& d, Code code, std::vector<std::string>& a) {
    Out out;
    switch (code) {
        case Code::d_get: {
            need(a, 1);
            if (auto* v = d.find(a[0])) return one_value(*v);
            missing(d, a[0]);
        }
        case Code::d_get_or: {
            need(a, 2);
            if (auto* v = d.find(a[0])) return one_value(*v);
            return one_value(std::move(a[1]));
        }
        case Code::d_set:
            need(a, 2);
            d.put(a[0], std::move(a[1]));
            return out;
        case Code::d_contains:
            need(a, 1);
            out.n = d.find(a[0]) != nullptr;
            return out;
        case Code::d_erase:
            need(a, 1);
            out.n = d.erase(a[0]);
            return out;
        case Code::d_pop:
        case Code::d_pop_or: {
            need(a, code == Code::d_pop ? 1 : 2);
            if (auto* v = d.find(a[0])) {
                out = one_value(std::move(*v));
                d.erase(a[0]);
                return out;
            }
            if (code == Code::d_pop_or) return one_value(std::move(a[1]));
            missing(d, a[0]);
        }
        case Code::d_setdefault: {
            need(a, 2);
            if (auto* v = d.find(a[0])) return one_value(*v);
            d.put(a[0], a[1]);
            return one_value(std::move(a[1]));
        }
        case Code::d_update: {
            if (a.size() % 2 != 0) throw ProtocolError("mpact::Manager: update with an odd count");
            for (const auto& x : a) check_value(x);  // all or nothing: check before changing
            for (std::size_t i = 0; i < a.size(); i += 2) d.put(a[i], std::move(a[i + 1]));
            return out;
        }
        case Code::d_size:
            out.n = static_cast<std::int64_t>(d.pairs.size());
            return out;
        case Code::d_keys:
        case Code::d_values:
        case Code::d_items:
            out.v.reserve(d.pairs.size() * (code == Code::d_items ? 2 : 1));
            for (const auto& [k, v] : d.pairs) {
                if (code != Code::d_values) out.v.push_back(k);
                if (code != Code::d_keys) out.v.push_back(v);
            }
            return out;
        case Code::d_clear:
            d.clear();
            return out;
        case Code::d_fetch_add: {
            need(a, 2);
            auto* v = d.find(a[0]);
            std::string before = v ? *v : pack(0);
            d.put(a[0], value_add(before, a[1]));
            return one_value(std::move(before));
        }
        case Code::d_cas: {
            need(a, 3);
            auto* v = d.find(a[0]);
            if (v && *v == a[1]) {
                *v = std::move(a[2]);
                out.n = 1;
                return out;
            }
            if (v) out.v.push_back(*v);
            return out;
        }
        case Code::ns_repr: {
            // Python's Namespace.__repr__: "name=repr" for names not starting with '_', sorted.
            std::vector<std::string> parts;
            for (const auto& [k, v] : d.pairs) {
                auto name = unpack<std::string>(k);
                if (!name.empty() && name[0] == '_') continue;
                parts.push_back(name + '=' + value_repr(v));
            }
            std::sort(parts.begin(), parts.end());
            std::string s = "Namespace(";
            for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : "") + parts[i];
            return one_value(pack(s + ')'));
        }
        default:
            throw ProtocolError("mpact::Manager: operation " +
                                std::to_string(static_cast<int>(code)) + " is not a dict's");
    }
}

}  // namespace mpact::detail::mgr
