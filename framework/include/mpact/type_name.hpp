#pragma once
/// A stable, readable name for a C++ type, used as a message's wire type tag
/// (docs/protocol.md). A type can choose its own wire name with
/// `static constexpr std::string_view mpact_name = "counter.Add";`.
#include <string_view>

namespace mpact {

namespace detail {
template <class T>
constexpr std::string_view pretty_type_name() {
    // g++: "constexpr std::string_view mpact::detail::pretty_type_name() [with T = X; ...]"
    std::string_view fn = __PRETTY_FUNCTION__;
    auto start = fn.find("T = ") + 4;
    auto end = fn.find_first_of(";]", start);
    return fn.substr(start, end - start);
}
// Computed once at compile time (a constexpr call in a runtime context, as in every send,
// would otherwise search __PRETTY_FUNCTION__ on each call).
template <class T>
inline constexpr std::string_view pretty_type_name_v = pretty_type_name<T>();
}  // namespace detail

/// The wire name of T: T::mpact_name when present, else its C++ name ("ns::Type").
template <class T>
constexpr std::string_view type_name() {
    if constexpr (requires { T::mpact_name; }) {
        return T::mpact_name;
    } else {
        return detail::pretty_type_name_v<T>;
    }
}

}  // namespace mpact
