#pragma once
#include <exception>
#include <string>
#include <typeinfo>

namespace mpact::detail {
// The readable C++ name of `type` ("std::out_of_range"), for RemoteError's remote type.
std::string demangle(const std::type_info& type);
inline std::string demangled_type_name(const std::exception& e) {
    return demangle(typeid(e));
}
}  // namespace mpact::detail
