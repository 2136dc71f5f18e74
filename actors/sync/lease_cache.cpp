// Values under a leased lock: while this process holds the lease of a Value's (or Array's)
// lock, its loads and stores of that value work on a copy kept in the lease's slot — each
// element fetched once, then read and written locally — and the elements it changed are
// written back to the value's actor before the lease goes back (value.hpp, "Under a leased
// lock"). The write-back is answered before the LeaseReturn is sent, so the next holder,
// granted only after that, reads what this process wrote.
#include <mpact/codec.hpp>
#include <mpact/internal/node.hpp>
#include <mpact/type_name.hpp>

#include "lease.hpp"
#include "protocol.hpp"
#include "value_protocol.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>

namespace mpact::detail {

using namespace sync_protocol;

namespace {

// Write-backs in flight in this process, so that its end can wait for them.
struct InFlight {
    std::mutex mu;
    std::condition_variable cv;
    int count = 0;
};
InFlight& in_flight() {
    static auto* f = new InFlight;  // leaked: used from exit hooks
    return *f;
}

struct Chain {
    std::vector<WriteBack> dirty;
    ActorRef lock;
    LeaseReturn ret;
    std::atomic<std::size_t> left{0};
};

void finish(const std::shared_ptr<Chain>& chain) {
    try {
        chain->lock.send(chain->ret);
    } catch (const std::exception&) {
        // The lock's actor is gone: nothing to return the lease to.
    }
    auto& f = in_flight();
    std::scoped_lock g(f.mu);
    --f.count;
    f.cv.notify_all();
}

ValueCache& cache_of(LeaseSlot& s, const ActorRef& value) {
    for (auto& c : s.cache) {
        if (c.value == value) return c;
    }
    return s.cache.emplace_back(ValueCache{value, {}});
}

bool leased(const LeaseSlot& s) {
    return s.leased && !s.plain;
}

}  // namespace

void write_back_then_return(std::vector<WriteBack> dirty, const ActorRef& lock,
                            std::uint64_t ticket) {
    auto chain = std::make_shared<Chain>();
    chain->dirty = std::move(dirty);
    chain->lock = lock;
    chain->ret = LeaseReturn{this_owner(), ticket};
    chain->left = chain->dirty.size();
    {
        auto& f = in_flight();
        std::scoped_lock g(f.mu);
        ++f.count;
    }
    auto start = [chain] {
        auto& node = Node::get();
        for (auto& w : chain->dirty) {
            // A store that fails (the value's actor is gone) has nowhere to go: the lease
            // still goes back, so the lock is not held by no one.
            node.request_async(
                w.value, type_name<ValueStore>(), pack(ValueStore{w.index, std::move(w.bytes)}),
                deadline_after(std::chrono::seconds(10)), [chain](Kind, std::string_view) {
                    if (chain->left.fetch_sub(1) == 1) finish(chain);
                });
        }
    };
    try {
        auto& node = Node::get();
        if (node.on_io_thread()) {
            start();
        } else {
            node.post(start);
        }
    } catch (const std::exception&) {
        finish(chain);  // no node any more
    }
}

void wait_for_write_backs(Duration at_most) {
    auto& f = in_flight();
    std::unique_lock g(f.mu);
    f.cv.wait_for(g, at_most, [&] { return f.count == 0; });
}

bool with_cached(LeaseSlot& s, const ActorRef& value, std::uint64_t i,
                 const std::function<std::string()>& load,
                 const std::function<bool(std::string&)>& op) {
    std::unique_lock lk(s.mu);
    if (!leased(s)) return false;
    auto* c = &cache_of(s, value);
    auto it = c->elements.find(i);
    if (it == c->elements.end()) {
        const auto ticket = s.ticket;
        lk.unlock();
        auto bytes = load();
        lk.lock();
        if (!leased(s) || s.ticket != ticket) return false;  // the lease went meanwhile
        c = &cache_of(s, value);
        it = c->elements.try_emplace(i, CachedElement{std::move(bytes), false}).first;
    }
    if (op(it->second.bytes)) it->second.dirty = true;
    return true;
}

bool with_cached_range(LeaseSlot& s, const ActorRef& value, std::uint64_t first, std::uint64_t last,
                       const std::function<std::vector<std::string>()>& load,
                       const std::function<bool(std::vector<std::string>&)>& op) {
    std::unique_lock lk(s.mu);
    if (!leased(s)) return false;
    auto* c = &cache_of(s, value);
    bool all = true;
    for (auto i = first; i < last && all; ++i) all = c->elements.contains(i);
    if (!all) {
        const auto ticket = s.ticket;
        lk.unlock();
        auto fetched = load();
        lk.lock();
        if (!leased(s) || s.ticket != ticket || fetched.size() != last - first) return false;
        c = &cache_of(s, value);
        for (auto i = first; i < last; ++i) {
            c->elements.try_emplace(i, CachedElement{std::move(fetched[i - first]), false});
        }
    }
    std::vector<std::string> elements;
    elements.reserve(last - first);
    for (auto i = first; i < last; ++i) elements.push_back(c->elements[i].bytes);
    if (op(elements)) {
        for (auto i = first; i < last; ++i) {
            auto& e = c->elements[i];
            e.bytes = std::move(elements[i - first]);
            e.dirty = true;
        }
    }
    return true;
}

}  // namespace mpact::detail
