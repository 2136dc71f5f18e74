#pragma once
/// The task registry: work that crosses a process boundary is named, because C++ cannot
/// pickle closures. `MPACT_TASK(fn)` registers a free function under its qualified name
/// ("geometry::square") with msgpack codecs for its arguments and result.
///
///     namespace geometry { int square(int x) { return x * x; } MPACT_TASK(square); }
///     // any process of this binary can now run "geometry::square" (or "square", while no
///     // other task is called that) from packed arguments
///
/// Python: pickling a module-level function by its qualified name.
/// Names: a task is found by its qualified name, or by its bare name while that is unique;
/// a bare name shared by two tasks is a ValueError naming both. Two different functions
/// with one qualified name (anonymous namespaces of two files) are refused at use, naming both.
/// Throws: ValueError for an unregistered function, ProtocolError (naming the task, the
/// expected types and the argument that did not fit) for arguments that do not match.
/// Thread-safety: register during static initialisation; lookups are thread-safe afterwards.
#include <mpact/codec.hpp>
#include <mpact/errors.hpp>
#include <mpact/type_name.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace mpact {

/// Runs a registered task on its argument array (already decoded) and packs the result
/// onto `out` (msgpack nil for void tasks). The one invoker: Process children and Pool
/// workers both run tasks through it.
using TaskInvoker = void (*)(const msgpack::object& args, msgpack::sbuffer& out);

/// A registered task: its name, its signature as text, and how to run it.
struct TaskInfo {
    std::string name;       ///< qualified, e.g. "geometry::square"
    std::string signature;  ///< e.g. "(int, std::string) -> double"
    TaskInvoker invoke = nullptr;
    const void* function = nullptr;  ///< the registered function's address
    std::string where;               ///< "file:line" of its MPACT_TASK, for error messages
};

/// Registers `info` under its name, and under its bare name (after the last "::") as an
/// alias. The same function twice is one task. Returns true.
bool register_task_info(TaskInfo info);
/// The task named `name` (qualified, or a unique bare name); ValueError if there is none or
/// the name is ambiguous.
[[nodiscard]] const TaskInfo& find_task(std::string_view name);
/// The task registered for function address `fn`; ValueError if it was not registered.
[[nodiscard]] const TaskInfo& find_task_by_function(const void* fn);
/// Runs task `name` on packed arguments, returning the packed result. Throws as the task or
/// its codec does.
std::string invoke_task(std::string_view name, std::string_view packed_args);

namespace detail {

template <class... A>
std::string argument_list() {
    // Appends in place: GCC 12 takes `std::string(name) + ", "` for a write out of bounds
    // (-Warray-bounds, a known false positive of its inlined memcpy).
    std::string out = "(";
    ((out.append(type_name<std::decay_t<A>>()).append(", ")), ...);
    if (out.size() > 1) out.resize(out.size() - 2);
    out += ')';
    return out;
}

/// Fails with ProtocolError "task 'square' expects (int), got (string)"; with `index`, adds
/// what is wrong with that argument ("argument 1: 3000000000 is out of range for int").
[[noreturn]] void throw_bad_arguments(std::string_view task, std::string_view expected,
                                      const msgpack::object& args,
                                      std::optional<std::size_t> index = std::nullopt,
                                      std::string_view wanted = {}, bool integral = false);

/// `qualified` without its anonymous-namespace parts ("{anonymous}::square" is "square").
[[nodiscard]] std::string clean_task_name(std::string_view qualified);

/// The qualified name of function `Fn`, from the compiler's own spelling of it.
template <auto Fn>
constexpr std::string_view qualified_function_name() {
    // g++: "... [with auto Fn = ns::square; ...]"; clang: "... [Fn = &ns::square]"
    std::string_view fn = __PRETTY_FUNCTION__;
    auto start = fn.find("Fn = ") + 5;
    if (fn[start] == '&') ++start;
    auto end = fn.find_first_of(";]", start);
    return fn.substr(start, end - start);
}

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

/// Which argument of `args` does not convert, to say so (only on the error path).
template <class Args, std::size_t... I>
[[noreturn]] void explain_bad_arguments(std::string_view task, std::string_view expected,
                                        const msgpack::object& args, std::index_sequence<I...>) {
    std::optional<std::size_t> bad;
    std::string_view wanted;
    bool integral = false;
    auto check = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) {
        using T = std::tuple_element_t<K, Args>;
        if (bad) return;
        try {
            static_cast<void>(args.via.array.ptr[K].as<T>());
        } catch (const msgpack::type_error&) {
            bad = K;
            wanted = type_name<T>();
            integral = std::is_integral_v<T> && !std::is_same_v<T, bool>;
        }
    };
    static_cast<void>(check);  // unused for a task without parameters
    (check(std::integral_constant<std::size_t, I>{}), ...);
    throw_bad_arguments(task, expected, args, bad, wanted, integral);
}

template <auto Fn>
void invoke_object(const msgpack::object& args, msgpack::sbuffer& out) {
    using Traits = TaskTraits<Fn>;
    using Args = typename Traits::Args;
    constexpr std::string_view name = qualified_function_name<Fn>();
    // Built by as<>, not default-constructed then filled: a handle such as mpact::Queue
    // creates its queue when default-constructed, so it is rebuilt from the wire instead.
    std::optional<Args> tuple;
    // Arity is checked exactly: msgpack's tuple adaptor would accept extra elements.
    if (args.type != msgpack::type::ARRAY || args.via.array.size != std::tuple_size_v<Args>) {
        throw_bad_arguments(name, Traits::arguments(), args);
    }
    try {
        tuple.emplace(args.as<Args>());
    } catch (const msgpack::type_error&) {
        explain_bad_arguments<Args>(name, Traits::arguments(), args,
                                    std::make_index_sequence<std::tuple_size_v<Args>>{});
    }
    if constexpr (std::is_void_v<typename Traits::Result>) {
        std::apply(Fn, std::move(*tuple));
        msgpack::pack(out, msgpack::type::nil_t{});
    } else {
        msgpack::pack(out, std::apply(Fn, std::move(*tuple)));
    }
}

}  // namespace detail

/// Registers free function `Fn` under its qualified name. Prefer the MPACT_TASK macro.
template <auto Fn>
bool register_task(const char* where = "") {
    return register_task_info(
        TaskInfo{detail::clean_task_name(detail::qualified_function_name<Fn>()),
                 detail::TaskTraits<Fn>::signature(), &detail::invoke_object<Fn>,
                 reinterpret_cast<const void*>(Fn), where});
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
#define MPACT_DETAIL_STR2(x) #x
#define MPACT_DETAIL_STR(x) MPACT_DETAIL_STR2(x)

/// Registers free function `fn` as a task named after it (qualified), in any namespace scope.
#define MPACT_TASK(fn)                                                                      \
    [[maybe_unused]] static const bool MPACT_DETAIL_CAT(mpact_task_registered_, __LINE__) = \
        ::mpact::register_task<&fn>(__FILE__ ":" MPACT_DETAIL_STR(__LINE__))
