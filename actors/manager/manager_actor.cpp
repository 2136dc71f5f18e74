// The manager actor's messages (docs/protocol.md, "Manager"): operations one at a time or in
// batches, objects created, primitives hosted by their public handles, counters.
#include "manager_actor.hpp"

#include <mpact/barrier.hpp>
#include <mpact/event.hpp>
#include <mpact/lock.hpp>
#include <mpact/manager.hpp>
#include <mpact/node.hpp>
#include <mpact/queue.hpp>
#include <mpact/semaphore.hpp>

#include "registry.hpp"

#include <algorithm>
#include <memory>
#include <string>

namespace mpact::detail::mgr {

namespace {
// One-way failures kept for their threads at most; past it, the oldest is dropped (a
// thread that never calls again would otherwise hold its entry for good).
constexpr std::size_t kMaxOwed = 1024;
}  // namespace

ManagerActor::ManagerActor() {
    handle([this](Call& c) {
        ++messages_;
        pay(c.op.pid, c.op.tid);
        return run(c.op);
    });
    handle([this](Post& p) {
        ++messages_;
        try {
            run(p.op);
        } catch (const Error& e) {
            owe(p.op.pid, p.op.tid, e);
        } catch (const std::exception& e) {
            owe(p.op.pid, p.op.tid, ProtocolError(e.what()));
        }
    });
    handle([this](mgr::Batch& b) {
        ++messages_;
        pay(b.pid, b.tid);
        std::vector<Out> out;
        out.reserve(b.ops.size());
        for (auto& op : b.ops) out.push_back(run(op));
        return out;
    });
    handle([this](const Create& c) {
        ++messages_;
        Object o;
        o.kind = static_cast<Kind>(c.kind);
        auto init = c.init;
        switch (o.kind) {
            case Kind::dict:
            case Kind::ns:
                o.dict.is_namespace = o.kind == Kind::ns;
                if (!init.empty()) run_dict(o.dict, Code::d_update, init);
                break;
            case Kind::list:
                if (!init.empty()) run_list(o.list, Code::l_extend, init);
                break;
            default:
                ++refused_;
                throw ProtocolError("mpact::Manager: no object kind " + std::to_string(c.kind));
        }
        const auto id = ++next_id_;
        objects_.emplace(id, std::move(o));
        return id;
    });
    handle([this](const Stats&) {
        ++messages_;
        const auto node = node_stats();
        ManagerStats s;
        s.messages = messages_;
        s.ops = ops_;
        s.refused = refused_;
        s.objects = objects_.size() + hosted_.size();
        s.pending_errors = owed_.size();
        s.node_malformed = node.malformed;
        s.node_handler_errors = node.handler_errors;
        return s;
    });
    handle([this](const Host& h) {
        ++messages_;
        // Made here, through the primitives' public handles: this process owns them, so they
        // live until the manager stops, whoever asked.
        auto keep = [this](auto p) {
            auto bytes = pack(*p);
            hosted_.push_back(std::move(p));
            return bytes;
        };
        if (h.kind == "Lock") return keep(std::make_shared<mpact::Lock>());
        if (h.kind == "RLock") return keep(std::make_shared<mpact::RLock>());
        if (h.kind == "Event") return keep(std::make_shared<mpact::Event>());
        if (h.kind == "Semaphore") return keep(std::make_shared<mpact::Semaphore>(h.n));
        if (h.kind == "BoundedSemaphore")
            return keep(std::make_shared<mpact::BoundedSemaphore>(h.n));
        if (h.kind == "Barrier")
            return keep(std::make_shared<mpact::Barrier>(static_cast<int>(h.n)));
        // A queue's broker does not know its item type: one host serves every Queue<T>.
        const auto size = static_cast<std::size_t>(std::max<std::int64_t>(h.n, 0));
        if (h.kind == "Queue") return keep(std::make_shared<mpact::Queue<std::string>>(size));
        if (h.kind == "JoinableQueue")
            return keep(std::make_shared<mpact::JoinableQueue<std::string>>(size));
        ++refused_;
        throw ValueError("mpact::Manager: cannot host a '" + h.kind + "'");
    });
    handle([this](const CreateRegistered& c) {
        ++messages_;
        auto ref = create_registered(c.type);
        hosted_.push_back(std::make_shared<ActorRef>(ref));
        return ref;
    });
}

Object& ManagerActor::object(std::uint64_t id) {
    auto it = objects_.find(id);
    if (it == objects_.end())
        throw ProtocolError("mpact::Manager: no object " + std::to_string(id) + " here");
    return it->second;
}

Out ManagerActor::run(Op& op) {
    try {
        const auto code = static_cast<Code>(op.code);
        if (code == Code::sync) {
            ++ops_;
            return {};
        }
        auto& o = object(op.object);
        Out out = o.kind == Kind::list ? run_list(o.list, code, op.args)
                                       : run_dict(o.dict, code, op.args);
        ++ops_;
        return out;
    } catch (const ProtocolError&) {
        ++refused_;
        throw;
    }
}

void ManagerActor::owe(std::int32_t pid, std::int64_t tid, const Error& e) {
    if (owed_.size() >= kMaxOwed && !owed_.count({pid, tid})) owed_.erase(owed_.begin());
    owed_.emplace(std::pair{pid, tid}, std::pair{std::string(e.kind()), std::string(e.what())});
}

void ManagerActor::pay(std::int32_t pid, std::int64_t tid) {
    if (owed_.empty()) return;
    auto it = owed_.find({pid, tid});
    if (it == owed_.end()) return;
    auto [kind, what] = std::move(it->second);
    owed_.erase(it);
    throw_error(kind, "an earlier one-way operation failed: " + what);
}

}  // namespace mpact::detail::mgr
