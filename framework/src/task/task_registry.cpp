// The task registry: tasks by qualified name, bare-name aliases, and the typed errors of a
// task's argument decoding.
#include <mpact/task.hpp>

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace mpact {

namespace {

struct Registry {
    std::mutex mutex;
    std::map<std::string, TaskInfo, std::less<>> by_name;
    // Other functions registered under a name already taken (anonymous namespaces of two
    // files): the name is refused at use, naming every one.
    std::map<std::string, std::vector<std::string>, std::less<>> clashes;
    std::map<std::string, std::set<std::string>, std::less<>> by_bare_name;
    std::unordered_map<const void*, std::string> by_function;
};

// Function-local static: MPACT_TASK runs during static initialisation of other files.
Registry& registry() {
    static Registry instance;
    return instance;
}

std::string bare(std::string_view name) {
    auto colon = name.rfind("::");
    return std::string(colon == std::string_view::npos ? name : name.substr(colon + 2));
}

std::string describe(const TaskInfo& info) {
    return info.where.empty() ? info.name : info.name + " (" + info.where + ")";
}

[[noreturn]] void throw_clash(const Registry& reg, const std::string& name) {
    std::string all = describe(reg.by_name.find(name)->second);
    for (const auto& other : reg.clashes.find(name)->second) all += ", " + other;
    throw ValueError("two different functions are registered as task '" + name + "': " + all +
                     "; give one another name or put it in a named namespace");
}

}  // namespace

bool register_task_info(TaskInfo info) {
    auto& reg = registry();
    std::lock_guard lock(reg.mutex);
    auto existing = reg.by_name.find(info.name);
    if (existing != reg.by_name.end()) {
        if (existing->second.function != info.function) {
            reg.clashes[info.name].push_back(describe(info));
            reg.by_function.emplace(info.function, info.name);
        }
        return true;
    }
    reg.by_function.emplace(info.function, info.name);
    reg.by_bare_name[bare(info.name)].insert(info.name);
    auto name = info.name;
    reg.by_name.emplace(std::move(name), std::move(info));
    return true;
}

const TaskInfo& find_task(std::string_view name) {
    auto& reg = registry();
    std::lock_guard lock(reg.mutex);
    auto it = reg.by_name.find(name);
    if (it == reg.by_name.end()) {
        auto alias = reg.by_bare_name.find(name);
        if (alias != reg.by_bare_name.end() && alias->second.size() == 1) {
            it = reg.by_name.find(*alias->second.begin());
        } else if (alias != reg.by_bare_name.end()) {
            std::string all;
            for (const auto& qualified : alias->second) {
                all += (all.empty() ? "" : ", ") + describe(reg.by_name.find(qualified)->second);
            }
            throw ValueError("task name '" + std::string(name) + "' is ambiguous: " + all +
                             "; use the qualified name");
        } else {
            throw ValueError("no task named '" + std::string(name) +
                             "' is registered in this binary; register it with MPACT_TASK(" +
                             std::string(name) + ")");
        }
    }
    if (reg.clashes.contains(it->first)) throw_clash(reg, it->first);
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
    if (reg.clashes.contains(it->second)) throw_clash(reg, it->second);
    return reg.by_name.find(it->second)->second;
}

std::string invoke_task(std::string_view name, std::string_view packed_args) {
    const auto& info = find_task(name);
    auto handle = detail::unpack_bounded(packed_args, DecodeLimits{});
    msgpack::sbuffer out;
    info.invoke(handle.get(), out);
    return std::string(out.data(), out.size());
}

namespace detail {

std::string clean_task_name(std::string_view qualified) {
    std::string out(qualified);
    for (std::string_view anonymous : {"{anonymous}::", "(anonymous namespace)::"}) {
        for (auto at = out.find(anonymous); at != std::string::npos; at = out.find(anonymous)) {
            out.erase(at, anonymous.size());
        }
    }
    return out;
}

void throw_bad_arguments(std::string_view task, std::string_view expected,
                         const msgpack::object& args, std::optional<std::size_t> index,
                         std::string_view wanted, bool integral) {
    std::string message = "task '" + clean_task_name(task) + "' expects " + std::string(expected) +
                          ", got " + describe_msgpack(args);
    if (index && args.type == msgpack::type::ARRAY && *index < args.via.array.size) {
        const auto& arg = args.via.array.ptr[*index];
        message += ": argument " + std::to_string(*index + 1) + " ";
        if (integral && arg.type == msgpack::type::POSITIVE_INTEGER) {
            message +=
                "(" + std::to_string(arg.via.u64) + ") is out of range for " + std::string(wanted);
        } else if (integral && arg.type == msgpack::type::NEGATIVE_INTEGER) {
            message +=
                "(" + std::to_string(arg.via.i64) + ") is out of range for " + std::string(wanted);
        } else {
            message += "(" + describe_msgpack(arg) + ") does not convert to " + std::string(wanted);
        }
    }
    throw ProtocolError(message);
}

}  // namespace detail
}  // namespace mpact
