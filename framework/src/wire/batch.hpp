#pragma once
// Batch payloads (envelope kind 5, docs/protocol.md): one-way messages coalesced into one
// ZeroMQ message, so a burst of sends costs the receiver one wake-up and one decode.
//   [[to, from_name, type, [message, ...]], ...]     groups in sending order
// Consecutive messages with the same (to, from_name, type) share a group, so the receiver
// finds the actor and the handler once per group, not once per message.
#include <mpact/codec.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace mpact::detail {

// Builds a batch payload one message at a time. Not thread-safe (a Link guards it).
class BatchWriter {
  public:
    [[nodiscard]] bool empty() const noexcept { return messages_ == 0; }
    [[nodiscard]] std::size_t bytes() const noexcept { return buffer_.size(); }
    [[nodiscard]] std::size_t messages() const noexcept { return messages_; }
    // Appends one message; `message` is one msgpack value (pack()'s output).
    void add(std::string_view to, std::string_view from_name, std::string_view type,
             std::string_view message);
    // The finished payload; the writer is empty again afterwards.
    [[nodiscard]] std::string take();

  private:
    void open_group(std::string_view to, std::string_view from_name, std::string_view type);
    void close_group() noexcept;

    std::string buffer_;
    std::uint32_t groups_ = 0;
    std::size_t group_count_at_ = 0;  // offset of the open group's message count
    std::uint32_t group_messages_ = 0;
    std::string to_, from_name_, type_;  // the open group's key
    std::size_t messages_ = 0;
};

// One group of a decoded batch; views into the batch's msgpack objects.
struct BatchGroup {
    std::string_view to;
    std::string_view from_name;
    std::string_view type;
    const msgpack::object* messages = nullptr;
    std::uint32_t count = 0;
};

// A decoded batch payload: checked for shape once, then read group by group.
class BatchReader {
  public:
    // std::nullopt when `payload` is not a well-formed batch within `max_bytes` (the caller
    // drops and counts it). Never throws. The reader keeps views into `payload`.
    static std::optional<BatchReader> decode(std::string_view payload,
                                             std::size_t max_bytes) noexcept;

    [[nodiscard]] std::uint32_t groups() const noexcept { return root().via.array.size; }
    [[nodiscard]] BatchGroup group(std::uint32_t i) const noexcept;

  private:
    explicit BatchReader(msgpack::object_handle handle) : handle_(std::move(handle)) {}
    const msgpack::object& root() const noexcept { return handle_.get(); }

    msgpack::object_handle handle_;
};

}  // namespace mpact::detail
