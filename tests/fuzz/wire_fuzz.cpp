// libFuzzer target over the decoders that read bytes from the wire: the envelope header,
// a batch payload (and each of its groups), the queue protocol's messages and an error
// payload. Every input goes through every decoder: each must refuse what it cannot read
// (std::nullopt or ProtocolError) and never crash, hang or leak. Under clang with
// MPACT_BUILD_FUZZERS this is a libFuzzer binary; otherwise replay_main.cpp drives it over
// tests/fuzz/corpus as a ctest case.
#include <mpact/codec.hpp>
#include <mpact/errors.hpp>
#include <mpact/internal/error_payload.hpp>

#include "protocol.hpp"  // actors/queue/protocol.hpp
#include "wire/batch.hpp"
#include "wire/envelope.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

namespace q = mpact::queue_protocol;

template <class T>
void try_unpack(std::string_view bytes) {
    try {
        static_cast<void>(mpact::unpack<T>(bytes));
    } catch (const mpact::ProtocolError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);

    if (auto header = mpact::detail::decode_header(bytes)) {
        static_cast<void>(mpact::detail::encode_header(*header));  // what decodes re-encodes
    }

    if (auto batch = mpact::detail::BatchReader::decode(bytes, std::size_t{1} << 20)) {
        std::size_t messages = 0;
        for (std::uint32_t i = 0; i < batch->groups(); ++i) {
            const auto group = batch->group(i);
            for (std::uint32_t m = 0; m < group.count; ++m) {
                messages += group.messages[m].type == msgpack::type::NIL ? 0 : 1;
            }
        }
        static_cast<void>(messages);
    }

    try_unpack<q::Put>(bytes);
    try_unpack<q::Credit>(bytes);
    try_unpack<q::Release>(bytes);
    try_unpack<q::Get>(bytes);
    try_unpack<q::Batch>(bytes);
    try_unpack<q::Return>(bytes);
    try_unpack<q::Join>(bytes);
    try_unpack<q::Items>(bytes);

    try {
        static_cast<void>(mpact::detail::unpack_error(bytes));
    } catch (const mpact::ProtocolError&) {
    }
    return 0;
}
