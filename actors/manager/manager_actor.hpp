#pragma once
// The manager actor: every dict, list and namespace as msgpack bytes, and the primitives it
// hosts by their public handles. One handler runs at a time, so each operation is atomic.
#include <mpact/actor.hpp>
#include <mpact/detail/manager_wire.hpp>

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mpact::detail::mgr {

// A dict in insertion order: the pairs in a list, an index by key bytes.
struct DictObject {
    std::list<std::pair<std::string, std::string>> pairs;
    std::unordered_map<std::string, std::list<std::pair<std::string, std::string>>::iterator> index;
    bool is_namespace = false;
    std::string* find(const std::string& k);
    void put(const std::string& k, std::string v);
    bool erase(const std::string& k);
    void clear();
};
struct ListObject {
    std::vector<std::string> items;
};
struct Object {
    Kind kind = Kind::dict;
    DictObject dict;
    ListObject list;
};

// The answer that is one packed value.
inline Out one_value(std::string v) {
    Out o;
    o.v.push_back(std::move(v));
    return o;
}

// Runs one operation on one object (dict_ops.cpp, list_ops.cpp); throws mpact errors.
Out run_dict(DictObject& d, Code code, std::vector<std::string>& args);
Out run_list(ListObject& l, Code code, std::vector<std::string>& args);

// Generic msgpack value helpers (value_order.cpp).
// Orders two packed values as manager-side sort does (see manager_list.hpp).
bool value_less(const std::string& a, const std::string& b);
// a + b for two packed numbers (int64 when both are integers, else double); ProtocolError else.
std::string value_add(const std::string& a, const std::string& b);
// Python's repr of a packed value: 'text', 12, 1.5, True, None, [..], {..}.
std::string value_repr(const std::string& bytes);
// ProtocolError unless `bytes` is exactly one msgpack value.
void check_value(const std::string& bytes);

class ManagerActor : public Actor {
  public:
    ManagerActor();

  private:
    Out run(Op& op);
    Object& object(std::uint64_t id);
    void owe(std::int32_t pid, std::int64_t tid, const Error& e);
    void pay(std::int32_t pid, std::int64_t tid);  // throws what a one-way op left owed

    std::unordered_map<std::uint64_t, Object> objects_;
    std::vector<std::shared_ptr<void>> hosted_;  // primitives' handles: they live while held
    std::map<std::pair<std::int32_t, std::int64_t>, std::pair<std::string, std::string>> owed_;
    std::uint64_t next_id_ = 0;
    std::uint64_t messages_ = 0;
    std::uint64_t ops_ = 0;
    std::uint64_t refused_ = 0;
};

}  // namespace mpact::detail::mgr
