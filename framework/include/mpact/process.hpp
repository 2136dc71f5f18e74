#pragma once
/// mpact::Process runs a function in another OS process, as multiprocessing.Process does.
///
///     void greet(std::string who) { std::cout << "hello " << who << '\n'; }
///     MPACT_TASK(greet);
///     mpact::Process p{greet, std::string("bob")};
///     p.start();
///     p.join();            // p.exitcode() == 0
///
/// Python: `p = Process(target=greet, args=('bob',)); p.start(); p.join()`.
/// Targets: a function registered with MPACT_TASK works with every start method; a lambda,
/// closure or unregistered function works with start_method::fork only (ValueError at
/// start() otherwise, before anything starts).
/// Connections among the arguments are handed over: start() closes the parent's copy, so
/// the child's death reaches the other end as EOFError (mpact::keep(c) keeps it open).
/// Exit codes: 0 on return, N after std::exit(N), 1 after an uncaught exception (its text
/// on stderr), -N after signal N.
/// Lifetime: the destructor never waits: a still-running child is left to run (as in
/// Python); at normal exit of the parent, non-daemon children are joined and daemon children
/// terminated. If the parent dies (even by SIGKILL) every child is killed within 1 s, and so,
/// level by level, are theirs; a child lives as long as its parent process, whichever
/// thread started it. A forkserver that died is replaced at the next start().
/// Thread-safety: one Process object is used by one thread at a time.
#include <mpact/descriptors.hpp>
#include <mpact/task.hpp>
#include <mpact/time.hpp>
#include <mpact/wait.hpp>

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace mpact {

/// How a child process is created. Python: the multiprocessing start methods.
enum class StartMethod {
    fork,        ///< fork the caller; the only method that can run a lambda or closure
    spawn,       ///< fork + exec of this binary; the task runs at mpact::init or first mpact call
    forkserver,  ///< (default) a single-threaded server process forks children on request
};

/// Python's name of a start method: "fork", "spawn", "forkserver".
[[nodiscard]] const char* to_string(StartMethod method) noexcept;
/// Sets the default start method for this process. ValueError if already set and !force
/// (Python: RuntimeError 'context has already been set').
void set_start_method(StartMethod method, bool force = false);
/// The default start method (forkserver unless set).
[[nodiscard]] StartMethod get_start_method();

/// Options of a Process; designated initialisers are the keyword arguments.
struct ProcessOptions {
    std::string name;                         ///< default "Process-N"
    std::optional<bool> daemon;               ///< default: the creating process's daemon flag
    std::optional<StartMethod> start_method;  ///< default: get_start_method()
};

namespace detail {
/// What a Process runs: a closure (fork) and, when the target is a registered task, its
/// name with packed arguments (any start method), and the descriptors those arguments
/// hand to the child (see <mpact/descriptors.hpp>).
struct ProcessTarget {
    std::function<void()> closure;
    std::optional<std::string> task;
    std::string packed_args;
    std::shared_ptr<ExportedDescriptors> descriptors;
};

template <class F, class... Args>
ProcessTarget make_target(F&& fn, Args&&... args) {
    ProcessTarget target;
    DescriptorExportScope scope;  // a Connection among the args exports its descriptor
    if constexpr (is_function_pointer_v<F>) {
        auto* fp = fn;
        try {
            target.task = task_name(fp);
            target.packed_args = pack(std::make_tuple(args...));
        } catch (const ValueError&) {
            target.task.reset();  // not registered: fork only
        }
    }
    // Not packed (fork only): a Connection among the args is still handed over at start().
    if (!target.task) (hand_over_argument(args), ...);
    target.descriptors = scope.take();
    target.closure = [fn = std::forward<F>(fn),
                      tup = std::make_tuple(std::forward<Args>(args)...)]() mutable {
        std::apply(fn, std::move(tup));
    };
    return target;
}
struct ProcessState;
}  // namespace detail

/// A child process. Move-only owner.
class Process {
  public:
    template <class F, class... Args>
    explicit Process(F&& target, Args&&... args)
        : Process(ProcessOptions{},
                  detail::make_target(std::forward<F>(target), std::forward<Args>(args)...)) {}
    template <class F, class... Args>
    Process(ProcessOptions options, F&& target, Args&&... args)
        : Process(std::move(options),
                  detail::make_target(std::forward<F>(target), std::forward<Args>(args)...)) {}
    Process(ProcessOptions options, detail::ProcessTarget target);

    Process(Process&&) noexcept;
    Process& operator=(Process&&) noexcept;
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    ~Process();

    /// Starts the child. ValueError if started twice, closed, or the target cannot be run by
    /// the start method; ProcessError if the OS refuses.
    void start();
    /// Waits for the child to end. ValueError before start().
    void join();
    /// Waits at most `timeout`; returns true if the child has ended.
    [[nodiscard]] bool join(Duration timeout);
    /// True between start() and the child's end.
    [[nodiscard]] bool is_alive();
    /// Sends SIGTERM. Python: Process.terminate().
    void terminate();
    /// Sends SIGKILL. Python: Process.kill().
    void kill();
    /// Releases the process's resources. ValueError while it is still running.
    void close();

    /// std::nullopt while running (or before start); the exit status; -N for signal N.
    [[nodiscard]] std::optional<int> exitcode();
    /// The child's pid once started.
    [[nodiscard]] std::optional<pid_t> pid() const;
    [[nodiscard]] const std::string& name() const;
    void set_name(std::string name);
    [[nodiscard]] bool daemon() const;
    /// ValueError after start().
    void set_daemon(bool daemon);
    [[nodiscard]] StartMethod start_method() const;
    /// Readable once the child has ended; for mpact::wait. ValueError before start().
    [[nodiscard]] Sentinel sentinel() const;

  private:
    std::shared_ptr<detail::ProcessState> state_;
};

/// What a process knows about itself or a relative. Python: the attributes of
/// current_process() / parent_process().
struct ProcessInfo {
    std::string name;
    pid_t pid = 0;
    bool daemon = false;
};

/// This process: "MainProcess" in the root, the Process's name in a child.
[[nodiscard]] ProcessInfo current_process();
/// The process that started this one; std::nullopt in the root process.
[[nodiscard]] std::optional<ProcessInfo> parent_process();
/// Children of this process that are still alive; reaps finished ones as a side effect.
[[nodiscard]] std::vector<ProcessInfo> active_children();
/// Number of CPUs usable by this process.
[[nodiscard]] int cpu_count();
/// The session's authentication key (32 bytes), inherited by every child, never via argv.
[[nodiscard]] const std::string& authkey();

/// A start method bound to a context. Python: multiprocessing.get_context(method).
///     auto p = mpact::get_context(mpact::StartMethod::spawn).process(square, 7);
class Context {
  public:
    explicit Context(StartMethod method) : method_(method) {}
    [[nodiscard]] StartMethod start_method() const noexcept { return method_; }
    /// A Process with this context's start method. Python: ctx.Process(target=f, args=(x,)).
    template <class F, class... Args>
    requires(!std::is_same_v<std::decay_t<F>, ProcessOptions>) [[nodiscard]] Process
        process(F&& target, Args&&... args) const {
        return process(ProcessOptions{}, std::forward<F>(target), std::forward<Args>(args)...);
    }
    /// As above, with options (their start_method is replaced by this context's).
    template <class F, class... Args>
    [[nodiscard]] Process process(ProcessOptions options, F&& target, Args&&... args) const {
        options.start_method = method_;
        return Process(std::move(options), std::forward<F>(target), std::forward<Args>(args)...);
    }

  private:
    StartMethod method_;
};
/// Python: multiprocessing.get_context(method).
[[nodiscard]] inline Context get_context(StartMethod method) {
    return Context(method);
}
[[nodiscard]] inline Context get_context() {
    return Context(get_start_method());
}

}  // namespace mpact
