#pragma once
/// mpact::Namespace: a proxy to a manager-held object with named attributes, each any
/// msgpack value. Cheap to copy; passes to children and Pool tasks as Dict does.
///
///     auto ns = m.namespace_();        // ns = manager.Namespace()
///     ns.set("name", std::string("Bob"));   // ns.name = 'Bob'
///     ns.get<std::string>("name");     // ns.name
///     ns.del("name");                  // del ns.name
///     ns.repr();                       // str(ns)   → "Namespace(name='Bob')"
///
/// Python: SyncManager.Namespace. repr() hides names starting with '_', as Python's str().
/// set() waits for the manager (unlike Dict::set). Throws: AttributeError (get or del of a
/// name not set), ActorDownError, TimeoutError, ProtocolError (a value that is not a T).
#include <mpact/detail/manager_wire.hpp>

#include <string>
#include <vector>

namespace mpact {

class Namespace {
  public:
    Namespace() = default;
    explicit Namespace(detail::mgr::Core core) : core_(std::move(core)) {}

    template <class T>
    [[nodiscard]] T get(const std::string& name) const {
        return unpack<T>(core_.call(C::d_get, {pack(name)}).v.at(0));
    }
    template <class T>
    void set(const std::string& name, const T& value) const {
        core_.call(C::d_set, {pack(name), pack(value)});
    }
    /// True if `name` is set. Python: hasattr(ns, name).
    [[nodiscard]] bool has(const std::string& name) const {
        return core_.call(C::d_contains, {pack(name)}).n != 0;
    }
    /// del ns.name; AttributeError if not set.
    void del(const std::string& name) const { core_.call(C::d_pop, {pack(name)}); }
    /// The attribute names, in the order first set.
    [[nodiscard]] std::vector<std::string> names() const {
        std::vector<std::string> r;
        for (auto& b : core_.call(C::d_keys).v) r.push_back(unpack<std::string>(b));
        return r;
    }
    /// Python's str(ns): "Namespace(a=1, name='Bob')", underscore names hidden.
    [[nodiscard]] std::string repr() const {
        return unpack<std::string>(core_.call(C::ns_repr).v.at(0));
    }

    [[nodiscard]] const detail::mgr::Core& core() const noexcept { return core_; }
    MSGPACK_DEFINE(core_)

  private:
    using C = detail::mgr::Code;
    detail::mgr::Core core_;
};

}  // namespace mpact
