#include <mpact/task.hpp>

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace mpact {

namespace {

struct Registry {
    std::mutex mutex;
    std::map<std::string, TaskInfo, std::less<>> by_name;
    std::unordered_map<const void*, std::string> by_function;
};

// Function-local static: MPACT_TASK runs during static initialisation of other files.
Registry& registry() {
    static Registry instance;
    return instance;
}

}  // namespace

bool register_task_info(TaskInfo info) {
    auto& reg = registry();
    std::lock_guard lock(reg.mutex);
    if (reg.by_name.contains(info.name)) return true;
    reg.by_function.emplace(info.function, info.name);
    auto name = info.name;
    reg.by_name.emplace(std::move(name), std::move(info));
    return true;
}

const TaskInfo& find_task(std::string_view name) {
    auto& reg = registry();
    std::lock_guard lock(reg.mutex);
    auto it = reg.by_name.find(name);
    if (it == reg.by_name.end()) {
        throw ValueError("no task named '" + std::string(name) +
                         "' is registered in this binary; register it with MPACT_TASK(" +
                         std::string(name) + ")");
    }
    return it->second;
}

const TaskInfo& find_task_by_function(const void* fn) {
    auto& reg = registry();
    std::lock_guard lock(reg.mutex);
    auto it = reg.by_function.find(fn);
    if (it == reg.by_function.end()) {
        throw ValueError(
            "function is not registered as a task; add MPACT_TASK(name) beside its definition "
            "so other processes can run it by name");
    }
    return reg.by_name.find(it->second)->second;
}

std::string invoke_task(std::string_view name, std::string_view packed_args) {
    return find_task(name).invoke(packed_args);
}

namespace detail {

void throw_bad_arguments(std::string_view task, std::string_view expected,
                         std::string_view packed_args) {
    std::string got = "undecodable bytes";
    try {
        got = describe_msgpack(unpack_bounded(packed_args, DecodeLimits{}).get());
    } catch (const ProtocolError&) {
    }
    throw ProtocolError("task '" + std::string(task) + "' expects " + std::string(expected) +
                        ", got " + got);
}

}  // namespace detail
}  // namespace mpact
