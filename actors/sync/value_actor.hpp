#pragma once
// The actor behind a Value or an Array: its elements, each kept as its msgpack bytes (see
// value_protocol.hpp). Every operation is one message, so each is atomic; nothing parks and
// no process is watched (the value's lock is a separate Lock/RLock actor).
#include <mpact/detail/value_core.hpp>

#include "sync_actor.hpp"
#include "value_protocol.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace mpact::detail {

class ValueActor : public SyncActor {
  public:
    // `kind` names it in errors ("Value", "Array"); `values` are canonical already.
    ValueActor(const char* kind, Number number, std::vector<std::string> values);

  private:
    void on_process_end(pid_t /*pid*/) override {}
    // False (and the reply failed with IndexError) if `i` is past the end.
    template <class R>
    bool in_range(std::uint64_t i, Reply<R>& reply);
    // The canonical form of one incoming element, or nullopt (refused, reply failed).
    template <class R>
    std::optional<std::string> element(const std::string& bytes, Reply<R>& reply);

    void on_store_slice(const sync_protocol::ValueStoreSlice& m, Reply<Nil> reply);
    void on_fetch(const sync_protocol::ValueFetch& m, Reply<std::string> reply);
    void on_compare_exchange(const sync_protocol::ValueCompareExchange& m,
                             Reply<sync_protocol::ValueSwapped> reply);

    Number number_;
    std::vector<std::string> values_;
};

}  // namespace mpact::detail
