#pragma once
// Checked<M>: a sync message decoded without throwing. The actor's handler takes Checked<M>
// (same wire name as M), so a message of the right name that does not decode as M reaches
// it as an error text: it is refused and counted in NodeStats::refused like any other bad
// sync input, rather than only failing in the framework's wrapper.
#include <mpact/codec.hpp>

#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace mpact::detail {

template <class M>
struct Checked {
    static constexpr std::string_view mpact_name = M::mpact_name;
    std::optional<M> value;
    std::string error;
};

}  // namespace mpact::detail

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
    namespace adaptor {
    template <class M>
    struct convert<mpact::detail::Checked<M>> {
        const msgpack::object& operator()(const msgpack::object& o,
                                          mpact::detail::Checked<M>& v) const {
            try {
                v.value = mpact::detail::from_object<M>(o);
            } catch (const std::exception& e) {
                v.error = e.what();
            }
            return o;
        }
    };
    }  // namespace adaptor
}  // MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS)
}  // namespace msgpack
