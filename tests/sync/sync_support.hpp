#pragma once
// What the sync tests share: the start methods every handle must survive, how cases that
// start several children at once start them, and a msgpack round trip packed as the wire
// packs it.
#include <mpact/codec.hpp>
#include <mpact/process.hpp>

#include <msgpack.hpp>

#include <string>

namespace sync_test {

inline constexpr mpact::StartMethod kMethods[] = {
    mpact::StartMethod::fork, mpact::StartMethod::spawn, mpact::StartMethod::forkserver};

// Under a sanitizer, forkserver (its server is exec'd and has no threads): GCC 12's TSan and
// ASan do not hold their allocators' locks across fork(), and a child forked while another
// thread here allocates can inherit a held one and hang before it runs a line of ours (gdb,
// TSan: both of the child's threads in SizeClassAllocator64::GetFromAllocator;
// sync_process_test's Condition case hung in both of CI's TSan tries, and here in 1 of 2
// runs, 1 of 10 with the forks one at a time; a fresh-clone CI run then saw it and the
// Barrier case hang under ASan). The default build forks.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr auto kManyChildren = mpact::StartMethod::forkserver;
#else
inline constexpr auto kManyChildren = mpact::StartMethod::fork;
#endif

// Packed the way Connection::send packs (msgpack::vrefbuffer keeps pointers to long string
// bodies until it writes them: a handle must not pack temporaries).
template <class T>
T round_trip(const T& v) {
    msgpack::vrefbuffer buffer;
    msgpack::pack(buffer, v);
    std::string bytes;
    for (std::size_t i = 0; i < buffer.vector_size(); ++i) {
        bytes.append(static_cast<const char*>(buffer.vector()[i].iov_base),
                     buffer.vector()[i].iov_len);
    }
    return mpact::unpack<T>(bytes);
}

}  // namespace sync_test
