#pragma once
/// The task registry: work that crosses a process boundary is named, because C++ cannot
/// pickle closures. `MPACT_TASK(fn)` registers a free function under its name with msgpack
/// codecs for its arguments and result.
///
///     int square(int x) { return x * x; }
///     MPACT_TASK(square);
///     // any process of this binary can now run "square" from packed arguments
///
/// Python: pickling a module-level function by its qualified name.
/// Throws: ValueError for an unregistered function, ProtocolError (naming the task and the
/// expected types) for arguments that do not match. Thread-safety: register during static
/// initialisation; lookups are thread-safe afterwards.
#include <mpact/codec.hpp>
#include <mpact/errors.hpp>
#include <mpact/type_name.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace mpact {

/// Runs a registered task on msgpack-packed arguments, returning the packed result
/// (msgpack nil for void tasks).
using TaskInvoker = std::string (*)(std::string_view packed_args);

/// A registered task: its name, its signature as text, and how to run it.
struct TaskInfo {
    std::string name;
    std::string signature;  ///< e.g. "(int, std::string) -> double"
    TaskInvoker invoke = nullptr;
    const void* function = nullptr;  ///< the registered function's address
};

/// Registers `info`; the same name twice keeps the first. Returns true.
bool register_task_info(TaskInfo info);
/// The task named `name`; ValueError if there is none.
[[nodiscard]] const TaskInfo& find_task(std::string_view name);
/// The task registered for function address `fn`; ValueError if it was not registered.
[[nodiscard]] const TaskInfo& find_task_by_function(const void* fn);
/// Runs task `name` on packed arguments; see TaskInvoker. Throws as the task or its codec does.
std::string invoke_task(std::string_view name, std::string_view packed_args);

namespace detail {

template <class... A>
std::string argument_list() {
    std::string out = "(";
    ((out += std::string(type_name<std::decay_t<A>>()) + ", "), ...);
    if (out.size() > 1) out.resize(out.size() - 2);
    return out + ")";
}

/// Fails with ProtocolError "task 'square' expects (int), got (string)".
[[noreturn]] void throw_bad_arguments(std::string_view task, std::string_view expected,
                                      std::string_view packed_args);

template <auto Fn>
struct TaskTraits;

template <class R, class... A, R (*Fn)(A...)>
struct TaskTraits<Fn> {
    using Result = R;
    using Args = std::tuple<std::decay_t<A>...>;

    static std::string arguments() { return argument_list<A...>(); }

    static std::string signature() {
        if constexpr (std::is_void_v<R>) {
            return argument_list<A...>() + " -> void";
        } else {
            return argument_list<A...>() + " -> " + std::string(type_name<R>());
        }
    }
};

template <auto Fn, const char* Name>
std::string invoke_packed(std::string_view packed_args) {
    using Traits = TaskTraits<Fn>;
    // Built by as<>, not default-constructed then filled: a handle such as mpact::Queue
    // creates its queue when default-constructed, so it is rebuilt from the wire instead.
    std::optional<typename Traits::Args> args;
    try {
        auto handle = unpack_bounded(packed_args, DecodeLimits{});
        const auto& obj = handle.get();
        // Arity is checked exactly: msgpack's tuple adaptor would accept extra elements.
        if (obj.type != msgpack::type::ARRAY ||
            obj.via.array.size != std::tuple_size_v<typename Traits::Args>) {
            throw_bad_arguments(Name, Traits::arguments(), packed_args);
        }
        args.emplace(obj.as<typename Traits::Args>());
    } catch (const msgpack::type_error&) {
        throw_bad_arguments(Name, Traits::arguments(), packed_args);
    }
    if constexpr (std::is_void_v<typename Traits::Result>) {
        std::apply(Fn, std::move(*args));
        return pack(msgpack::type::nil_t{});
    } else {
        return pack(std::apply(Fn, std::move(*args)));
    }
}

}  // namespace detail

/// Registers free function `Fn` under `name`. Prefer the MPACT_TASK macro.
template <auto Fn, const char* Name>
bool register_task() {
    return register_task_info(TaskInfo{Name, detail::TaskTraits<Fn>::signature(),
                                       &detail::invoke_packed<Fn, Name>,
                                       reinterpret_cast<const void*>(Fn)});
}

/// True when F is a plain function pointer type (the only callables that can be named).
template <class F>
inline constexpr bool is_function_pointer_v =
    std::is_pointer_v<std::decay_t<F>>&& std::is_function_v<std::remove_pointer_t<std::decay_t<F>>>;

/// The registered name of function pointer `fn`; ValueError if it was not registered.
template <class F>
[[nodiscard]] const std::string& task_name(F fn) {
    return find_task_by_function(reinterpret_cast<const void*>(fn)).name;
}

}  // namespace mpact

#define MPACT_DETAIL_CAT2(a, b) a##b
#define MPACT_DETAIL_CAT(a, b) MPACT_DETAIL_CAT2(a, b)

/// Registers free function `fn` as a task named after it, in any namespace scope.
#define MPACT_TASK(fn)                                                                      \
    static constexpr char MPACT_DETAIL_CAT(mpact_task_name_, __LINE__)[] = #fn;             \
    [[maybe_unused]] static const bool MPACT_DETAIL_CAT(mpact_task_registered_, __LINE__) = \
        ::mpact::register_task<&fn, MPACT_DETAIL_CAT(mpact_task_name_, __LINE__)>()
