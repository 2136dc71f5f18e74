// The registry of item runners: one per task signature a Pool submitted in this binary.
#include <mpact/pool.hpp>

#include <map>
#include <mutex>

namespace mpact::detail {

namespace {
struct Registry {
    std::mutex mutex;
    std::map<std::string, ItemRunner, std::less<>> runners;
};
Registry& registry() {
    static Registry* r = new Registry;  // leaked: usable during static destruction
    return *r;
}
}  // namespace

bool register_item_runner(std::string signature, ItemRunner runner) {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    r.runners.emplace(std::move(signature), runner);
    return true;
}

ItemRunner find_item_runner(std::string_view signature) {
    auto& r = registry();
    std::lock_guard lock(r.mutex);
    auto it = r.runners.find(signature);
    return it == r.runners.end() ? nullptr : it->second;
}

}  // namespace mpact::detail
