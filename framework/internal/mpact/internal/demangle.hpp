#pragma once
// Readable names for what a task or handler threw, the `kind` an error payload carries.
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

namespace mpact::detail {
// The readable C++ name of `type` ("std::out_of_range"), for RemoteError's remote type.
std::string demangle(const std::type_info& type);
inline std::string demangled_type_name(const std::exception& e) {
    return demangle(typeid(e));
}
// The kind reported for a throw of something not derived from std::exception (`throw 42;`).
inline constexpr std::string_view kNonStdExceptionKind = "unknown";
}  // namespace mpact::detail
