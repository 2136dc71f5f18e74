#include <mpact/bytes.hpp>

#include <cstring>
#include <utility>

namespace mpact {

Bytes Bytes::for_overwrite(std::size_t size) {
    Bytes out;
    if (size == 0) return out;
    if (size >= detail::kHugePage) {
        out.region_ = detail::acquire_region(size);
        out.data_ = out.region_.data;
    } else {
        out.data_ = new char[size];
    }
    out.size_ = size;
    return out;
}

Bytes::Bytes(std::size_t size) : Bytes(for_overwrite(size)) {
    if (size_ != 0) std::memset(data_, 0, size_);
}

Bytes::Bytes(std::string_view data) : Bytes(for_overwrite(data.size())) {
    if (size_ != 0) std::memcpy(data_, data.data(), size_);
}

Bytes::Bytes(const Bytes& other) : Bytes(other.view()) {}

Bytes& Bytes::operator=(const Bytes& other) {
    if (this != &other) *this = Bytes(other.view());
    return *this;
}

Bytes::Bytes(Bytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      region_(std::exchange(other.region_, detail::Region{})) {}

Bytes& Bytes::operator=(Bytes&& other) noexcept {
    if (this != &other) {
        release();
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
        region_ = std::exchange(other.region_, detail::Region{});
    }
    return *this;
}

Bytes::~Bytes() {
    release();
}

void Bytes::release() noexcept {
    if (region_.mapped != 0) {
        detail::release_region(region_);
    } else {
        delete[] data_;
    }
    data_ = nullptr;
    size_ = 0;
    region_ = {};
}

void release_kept_bytes() noexcept {
    detail::drop_kept_regions();
}

}  // namespace mpact
