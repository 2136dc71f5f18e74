// mpact::Bytes and the large storage the process recycles for it (recycled_regions.hpp).
#include <mpact/bytes.hpp>
#include <mpact/codec.hpp>
#include <mpact/errors.hpp>
#include <mpact/recycled_regions.hpp>

#include <doctest/doctest.h>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace {
constexpr std::size_t MiB = std::size_t{1} << 20;

}  // namespace

TEST_CASE("Bytes holds zeros, copies of text, or room to fill, small and large") {
    mpact::Bytes none;
    CHECK(none.empty());
    CHECK(none.size() == 0);

    mpact::Bytes zeros(5);
    CHECK(zeros.view() == std::string(5, '\0'));

    mpact::Bytes text(std::string_view("abc"));
    CHECK(text.view() == "abc");
    CHECK(text[1] == 'b');

    for (std::size_t size : {std::size_t{100}, 3 * MiB}) {
        auto filled = mpact::Bytes::for_overwrite(size);
        REQUIRE(filled.size() == size);
        std::memset(filled.data(), 'q', size);
        CHECK(filled.view() == std::string(size, 'q'));
        mpact::Bytes large_zeros(size);
        CHECK(large_zeros.view() == std::string(size, '\0'));
    }
}

TEST_CASE("Bytes copies deeply, moves cheaply, and compares by content") {
    mpact::Bytes a(std::string_view("hello"));
    mpact::Bytes b = a;
    CHECK(b == a);
    CHECK(b.data() != a.data());
    b[0] = 'j';
    CHECK(a.view() == "hello");
    CHECK_FALSE(a == b);

    const char* storage = a.data();
    mpact::Bytes c = std::move(a);
    CHECK(c.data() == storage);
    CHECK(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty, by contract

    mpact::Bytes big(std::string(3 * MiB, 'z'));
    big = big;  // self-assignment keeps the content
    CHECK(big.view() == std::string(3 * MiB, 'z'));
    c = big;
    CHECK(c == big);
    c = std::move(big);
    CHECK(c.view() == std::string(3 * MiB, 'z'));
}

TEST_CASE("Bytes travels as a msgpack bin and is read from a bin or a str") {
    mpact::Bytes b(std::string_view("\x01\x02zz"));
    auto packed = mpact::pack(b);
    CHECK(static_cast<unsigned char>(packed[0]) == 0xc4);  // bin8
    CHECK(mpact::unpack<std::vector<char>>(packed) == std::vector<char>{1, 2, 'z', 'z'});
    CHECK(mpact::unpack<mpact::Bytes>(packed) == b);
    CHECK(mpact::unpack<mpact::Bytes>(mpact::pack(std::string("text"))).view() == "text");
    CHECK_THROWS_AS(static_cast<void>(mpact::unpack<mpact::Bytes>(mpact::pack(42))),
                    mpact::ProtocolError);
}

TEST_CASE("large storage a Bytes lets go is kept and handed to the next large Bytes") {
    mpact::release_kept_bytes();
    auto first = mpact::Bytes::for_overwrite(8 * MiB);
    char* storage = first.data();
    std::memset(storage, 'K', first.size());
    first = mpact::Bytes();
    CHECK(mpact::detail::kept_region_bytes() == 8 * MiB);
    // The mapping is still there, resident: given back to the kernel it would be unmapped.
    std::vector<unsigned char> resident(8 * MiB / static_cast<std::size_t>(::getpagesize()));
    REQUIRE(::mincore(storage, 8 * MiB, resident.data()) == 0);

    // Fresh memory would read as zeros; the kept pages still hold what was written.
    auto second = mpact::Bytes::for_overwrite(7 * MiB);
    CHECK(second.data() == storage);
    CHECK(second[0] == 'K');
    CHECK(second[7 * MiB - 1] == 'K');
    CHECK(mpact::detail::kept_region_bytes() == 0);

    // A small request does not take a region more than twice its size.
    second = mpact::Bytes();
    auto small = mpact::Bytes::for_overwrite(2 * MiB);
    CHECK(small.data() != storage);
    CHECK(mpact::detail::kept_region_bytes() == 8 * MiB);
    mpact::release_kept_bytes();
}

TEST_CASE("the process keeps at most kKeptRegionsMax, the least recently kept going first") {
    mpact::release_kept_bytes();
    constexpr std::size_t cap = mpact::detail::kKeptRegionsMax;
    std::vector<mpact::Bytes> held;
    for (int i = 0; i < 3; ++i) held.push_back(mpact::Bytes::for_overwrite(cap / 2));
    const char* oldest = held[0].data();
    const char* newest = held[2].data();
    held.clear();  // destroyed in order: the first one kept is the first evicted
    CHECK(mpact::detail::kept_region_bytes() == cap);
    auto again = mpact::Bytes::for_overwrite(cap / 2);
    CHECK(again.data() == newest);  // the most recently kept fits first
    CHECK(again.data() != oldest);

    // A region larger than the cap is never kept.
    mpact::release_kept_bytes();
    { auto huge = mpact::Bytes::for_overwrite(cap + 2 * MiB); }
    CHECK(mpact::detail::kept_region_bytes() == 0);
    mpact::release_kept_bytes();
}

TEST_CASE("a forked child neither reuses nor keeps the parent's regions (copy-on-write pages)") {
    mpact::release_kept_bytes();
    {
        auto kept = mpact::Bytes::for_overwrite(4 * MiB);
        std::memset(kept.data(), 'P', kept.size());
    }
    REQUIRE(mpact::detail::kept_region_bytes() == 4 * MiB);
    auto inherited = mpact::Bytes::for_overwrite(6 * MiB);
    REQUIRE(mpact::detail::kept_region_bytes() == 4 * MiB);

    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int code = 0;
        if (mpact::detail::kept_region_bytes() != 0) code |= 1;
        inherited = mpact::Bytes();  // mapped before the fork: let go, not kept
        if (mpact::detail::kept_region_bytes() != 0) code |= 2;
        auto fresh = mpact::Bytes::for_overwrite(4 * MiB);
        if (fresh[0] == 'P') code |= 4;
        fresh = mpact::Bytes();  // mapped here: kept
        if (mpact::detail::kept_region_bytes() != 4 * MiB) code |= 8;
        ::_exit(code);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(mpact::detail::kept_region_bytes() == 4 * MiB);  // the parent's are untouched
    mpact::release_kept_bytes();
}
