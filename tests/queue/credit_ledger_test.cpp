// CreditLedger, the broker's book of room reserved for each producer of a bounded queue:
// windows start small, grow while the queue has room, stay within half of maxsize for a
// lone producer and a quarter while others hold credits, shrink as it fills; reserved room plus
// waiting items never exceed maxsize.
#include "credit_ledger.hpp"

#include <doctest/doctest.h>

#include <cstdint>

using mpact::detail::CreditLedger;

namespace {
constexpr std::uint32_t kAll = std::uint32_t{1} << 20;  // "as many as you give"
}

TEST_CASE("a lone producer's window starts small and grows to half of maxsize while there is room" *
          doctest::timeout(10)) {
    CreditLedger ledger(1000);
    auto first = ledger.grant(1, kAll, 0, true);
    CHECK(first >= 1);
    CHECK(first <= 2);
    std::uint32_t last = first;
    ledger.spend(1, first);
    for (int i = 0; i < 20; ++i) {
        last = ledger.grant(1, kAll, 0, false);
        CHECK(last <= 500);
        ledger.spend(1, last);
    }
    CHECK(last == 500);
    CHECK(ledger.reserved() == 0);
}

TEST_CASE("while another producer holds credits, a window is at most a quarter of maxsize" *
          doctest::timeout(10)) {
    CreditLedger ledger(1000);
    for (int i = 0; i < 20; ++i) ledger.spend(1, ledger.grant(1, kAll, 0, false));
    CHECK(ledger.grant(2, kAll, 0, true) >= 1);  // producer 2 holds some from now on
    std::uint32_t last = 0;
    for (int i = 0; i < 20; ++i) {
        last = ledger.grant(1, kAll, 0, false);
        CHECK(last <= 250);
        ledger.spend(1, last);
    }
    CHECK(last == 250);
    ledger.spend(2, ledger.held(2));  // alone again: it may grow back to half
    for (int i = 0; i < 20; ++i) ledger.spend(1, last = ledger.grant(1, kAll, 0, false));
    CHECK(last == 500);
}

TEST_CASE("grants never reserve more than the room left by waiting items and other producers" *
          doctest::timeout(10)) {
    CreditLedger ledger(100);
    std::size_t waiting = 0;
    for (int round = 0; round < 50; ++round) {
        for (pid_t pid : {1, 2, 3, 4, 5}) {
            ledger.grant(pid, kAll, waiting, round % 2 == 0);
            REQUIRE(waiting + ledger.reserved() <= 100);
        }
        // Producer 1 spends what it holds: its credits become waiting items.
        auto held = ledger.held(1);
        ledger.spend(1, held);
        waiting += held;
        REQUIRE(waiting + ledger.reserved() <= 100);
        waiting -= std::min<std::size_t>(waiting, 7);  // a consumer takes some
    }
    CHECK(ledger.room(100) == 0);
    CHECK(ledger.grant(6, kAll, 100 - ledger.reserved(), true) == 0);  // no room: none
}

TEST_CASE("a producer's window shrinks as the queue fills, and wants are respected" *
          doctest::timeout(10)) {
    CreditLedger ledger(1000);
    for (int i = 0; i < 20; ++i) ledger.spend(1, ledger.grant(1, kAll, 0, false));
    CHECK(ledger.grant(1, 3, 0, false) == 3);  // it asked for three
    ledger.spend(1, 3);
    CHECK(ledger.grant(1, 0, 0, false) == 0);  // and now for none
    // Nearly full: the window halves on each grant, down to one.
    std::uint32_t granted = 0;
    for (int i = 0; i < 20; ++i) {
        granted = ledger.grant(1, kAll, 950, false);
        ledger.spend(1, granted);
    }
    CHECK(granted == 1);
    // Holding its whole window, a producer that asks anyway gets one credit if there is room.
    CHECK(ledger.grant(1, kAll, 950, false) == 1);  // unspent: it holds its whole window
    CHECK(ledger.grant(1, kAll, 950, false) == 0);
    CHECK(ledger.grant(1, kAll, 950, true) == 1);
}

TEST_CASE("credits released or left by a dead producer are room again" * doctest::timeout(10)) {
    CreditLedger ledger(16);
    auto a = ledger.grant(1, kAll, 0, true);
    auto b = ledger.grant(2, kAll, 0, true);
    CHECK(ledger.reserved() == a + b);
    CHECK(ledger.room(10) == 16 - 10 - (a + b));
    ledger.release(1, a + 5);  // never more than it holds
    CHECK(ledger.held(1) == 0);
    CHECK(ledger.reserved() == b);
    ledger.forget(2);
    CHECK(ledger.reserved() == 0);
    CHECK(ledger.room(10) == 6);
    CHECK(ledger.room(20) == 0);  // items given back may exceed maxsize: no room, no underflow
}
