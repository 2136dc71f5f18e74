#pragma once
/// How a queue item is packed on its way into a Queue (used by <mpact/queue.hpp>).
/// Items up to kSpillFrom bytes are packed in memory and travel inside a batch. A larger
/// item is streamed into a file of the session's scratch directory (tmpfs) while it is
/// packed, and only a reference travels through the broker; the consumer maps the file and
/// unpacks from it. ZeroMQ would copy a 64 MiB item five times on its way through a broker.
/// A consumed file is kept for the next large item (a few, bounded) rather than deleted:
/// overwriting tmpfs pages costs a copy, allocating fresh ones costs a zeroing as well.
/// When the scratch directory is full, kept files are deleted first; if there is still no
/// room, the item travels in memory instead (whole: never a put that succeeds and an item
/// that does not decode).
#include <mpact/byte_buffer.hpp>
#include <mpact/codec.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mpact::detail {

inline constexpr std::size_t kSpillFrom = std::size_t{1} << 20;

/// A msgpack stream: memory until kSpillFrom bytes, then a scratch file.
class ItemWriter {
  public:
    explicit ItemWriter(std::string& memory) : memory_(memory) {}
    ItemWriter(const ItemWriter&) = delete;
    ItemWriter& operator=(const ItemWriter&) = delete;
    ~ItemWriter();
    void write(const char* data, std::size_t size) {
        if (fd_ < 0 && memory_.size() + size < kSpillFrom) {
            memory_.append(data, size);
            return;
        }
        write_large(data, size);
    }
    /// The item as it travels: its msgpack bytes, or a reference to its spill file.
    [[nodiscard]] std::string_view finish();

  private:
    static constexpr int kInMemory = -2;  // fd_: the scratch directory was full
    void write_large(const char* data, std::size_t size);
    // Moves what was written so far (or the first `in_memory` bytes of memory_, padding
    // included) into memory_ without the padding, and deletes the file.
    void fall_back_to_memory(std::size_t in_memory);
    void drop_file() noexcept;
    std::string& memory_;
    int fd_ = -1;
    std::string name_;
    std::size_t pad_ = 0;      // nil bytes at the file's start
    std::size_t written_ = 0;  // bytes in the file, padding included
    bool recycled_ = false;    // the file held an earlier item: cut it to size at finish()
};

/// The msgpack bytes of `value`, packed for a queue (valid until the next call on this thread).
template <class T>
std::string_view pack_item(const T& value) {
    thread_local std::string scratch;
    if (scratch.capacity() > 4 * kSpillFrom) std::string().swap(scratch);  // after a fallback
    scratch.clear();
    ItemWriter writer(scratch);
    msgpack::pack(writer, value);
    return writer.finish();
}

/// Reads spilled item `name` straight into storage from `place` when its value is one msgpack
/// str or bin (huge pages, no intermediate copy) and deletes it; false, leaving it untouched,
/// when the value is something else.
bool read_spilled_bytes(std::string_view name, void* target, char* (*place)(void*, std::size_t));
/// Maps spilled item `name`, hands its msgpack bytes to `use`, and deletes it.
void with_spilled(std::string_view name, const std::function<void(std::string_view)>& use);

/// If `item` is a spill reference: its file's name in the scratch directory.
[[nodiscard]] std::string_view spilled_name(std::string_view item) noexcept;
/// Deletes a spilled item's file (an item that will never be read); no-op otherwise.
void discard_item(std::string_view item) noexcept;

/// The value of one queue item as it travels (in memory or spilled).
template <class T>
T decode_item(std::string_view item) {
    try {
        auto name = spilled_name(item);
        if (name.empty()) return unpack<T>(item);
        if constexpr (is_byte_buffer_v<T>) {
            T out;
            if (read_spilled_bytes(name, &out, &place_bytes<T>)) return out;
        }
        std::optional<T> out;
        with_spilled(name, [&](std::string_view bytes) { out.emplace(unpack<T>(bytes)); });
        return std::move(*out);
    } catch (const ProtocolError&) {
        count_refused();
        throw;
    }
}

}  // namespace mpact::detail
