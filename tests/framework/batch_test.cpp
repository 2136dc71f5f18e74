// Batch payloads (envelope kind 5): what the sender coalesces, the receiver reads back in
// order; anything of another shape is refused as a whole.
#include "wire/batch.hpp"

#include <mpact/codec.hpp>

#include <doctest/doctest.h>

#include <string>
#include <tuple>
#include <vector>

using mpact::detail::BatchReader;
using mpact::detail::BatchWriter;

namespace {
constexpr std::size_t kNoLimit = std::size_t{1} << 31;

std::string group_key(const mpact::detail::BatchGroup& g) {
    return std::string(g.to) + "|" + std::string(g.from_name) + "|" + std::string(g.type);
}
}  // namespace

TEST_CASE("a batch reads back its messages in order, grouped by actor, sender and type") {
    BatchWriter writer;
    writer.add("counter", "", "Add", mpact::pack(std::make_tuple(1)));
    writer.add("counter", "", "Add", mpact::pack(std::make_tuple(2)));
    writer.add("counter", "", "Get", mpact::pack(std::make_tuple()));
    writer.add("other", "me", "Add", mpact::pack(std::make_tuple(3)));
    writer.add("counter", "", "Add", mpact::pack(std::make_tuple(4)));
    CHECK(writer.messages() == 5);
    auto payload = writer.take();
    CHECK(writer.empty());

    auto batch = BatchReader::decode(payload, kNoLimit);
    REQUIRE(batch.has_value());
    REQUIRE(batch->groups() == 4);
    std::vector<std::string> keys;
    std::vector<int> adds;
    for (std::uint32_t i = 0; i < batch->groups(); ++i) {
        auto g = batch->group(i);
        keys.push_back(group_key(g));
        if (g.type != "Add") continue;
        for (std::uint32_t m = 0; m < g.count; ++m) {
            adds.push_back(std::get<0>(mpact::detail::from_object<std::tuple<int>>(g.messages[m])));
        }
    }
    CHECK(keys ==
          std::vector<std::string>{"counter||Add", "counter||Get", "other|me|Add", "counter||Add"});
    CHECK(adds == std::vector<int>{1, 2, 3, 4});
}

TEST_CASE("a writer is reusable and long names use wider string headers") {
    BatchWriter writer;
    const std::string long_type(300, 't');
    const std::string long_to(70000, 'a');
    writer.add(long_to, "", long_type, mpact::pack(7));
    const auto first_bytes = writer.take();  // the reader keeps views into its bytes
    auto first = BatchReader::decode(first_bytes, kNoLimit);
    REQUIRE(first.has_value());
    CHECK(first->group(0).to == long_to);
    CHECK(first->group(0).type == long_type);
    writer.add("x", "", "T", mpact::pack(8));
    auto second_bytes = writer.take();
    auto second = BatchReader::decode(second_bytes, kNoLimit);
    REQUIRE(second.has_value());
    REQUIRE(second->groups() == 1);
    CHECK(second->group(0).count == 1);
    CHECK(second->group(0).messages[0].as<int>() == 8);
}

TEST_CASE("a batch of another shape, truncated or over the size limit is refused") {
    auto refused = [](const std::string& bytes, std::size_t limit = kNoLimit) {
        return !BatchReader::decode(bytes, limit).has_value();
    };
    CHECK(refused(""));
    CHECK(refused("\xc1"));
    CHECK(refused(mpact::pack(std::make_tuple(1, 2))));
    CHECK(refused(mpact::pack(
        std::vector<std::tuple<std::string, std::string, std::string>>{{"a", "", "T"}})));
    CHECK(refused(mpact::pack(
        std::vector<std::tuple<std::string, std::string, std::string, int>>{{"a", "", "T", 1}})));
    CHECK(refused(
        mpact::pack(std::vector<std::tuple<int, std::string, std::string, std::vector<int>>>{
            {1, "", "T", {1}}})));
    BatchWriter writer;
    writer.add("a", "", "T", mpact::pack(1));
    auto good = writer.take();
    CHECK_FALSE(refused(good));
    CHECK(refused(good.substr(0, good.size() - 1)));
    CHECK(refused(good + "\x01"));
    CHECK(refused(good, good.size() - 1));
}
