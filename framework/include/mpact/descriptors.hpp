#pragma once
/// Handing open file descriptors to a child process inside its Process arguments.
///
/// A type whose msgpack form stands for an open descriptor (mpact::Connection) calls
/// export_descriptor() from its msgpack adaptor while a Process's arguments are packed and
/// writes the returned index; in the child, its unpacking calls import_descriptor(index)
/// and gets a descriptor of its own. The Process carries duplicates of the exported
/// descriptors until start(): fork inherits them, spawn clears close-on-exec and lists them
/// in the bootstrap, forkserver passes them with SCM_RIGHTS beside the start request.
///
/// Handing over: such a type may also ask, with on_handed_over(), to be told once the
/// Process has started its child, so that it can close the parent's own copy (a Connection
/// does, unless the caller kept it with mpact::keep) and the child's death is seen.
///
/// Python: multiprocessing.reduction (DupFd / sendfds) used when a Connection is pickled
/// for a child. Throws: ValueError outside a Process's argument pack (a descriptor cannot
/// travel in an ordinary message). Thread-safety: the scopes are per thread.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mpact {

/// Duplicates `fd` into the Process whose arguments this thread is packing and returns its
/// index there. `what` names the type in the error. ValueError when no Process's arguments
/// are being packed; ProcessError if the descriptor cannot be duplicated.
[[nodiscard]] std::uint32_t export_descriptor(int fd, const char* what);

/// In a child, while its task's arguments are unpacked: the descriptor exported under
/// `index`, now owned by the caller (close-on-exec set). ValueError otherwise, for an
/// unknown index, or for an index taken twice.
[[nodiscard]] int import_descriptor(std::uint32_t index);

/// The child a value was handed to, as on_handed_over() reports it.
struct HandedOver {
    std::string process;  ///< the Process's name
    pid_t pid = 0;        ///< the child's pid
};

/// While a Process's arguments are packed (or, for a fork-only target, scanned), asks that
/// `done` run in the parent once that Process's start() has started the child; never if it
/// is not started. Outside an argument pack it does nothing.
void on_handed_over(std::function<void(const HandedOver&)> done);

namespace detail {

/// Owned duplicates of the descriptors a Process hands to its child; closed on destruction.
struct ExportedDescriptors {
    std::vector<int> fds;
    std::vector<std::function<void(const HandedOver&)>> on_start;  ///< see on_handed_over()
    ExportedDescriptors() = default;
    ExportedDescriptors(const ExportedDescriptors&) = delete;
    ExportedDescriptors& operator=(const ExportedDescriptors&) = delete;
    ~ExportedDescriptors();
    /// Runs (once) what on_handed_over() registered: the child holds its copies now.
    void handed_over(const HandedOver& child) noexcept;
};

/// A value of a type that is handed over even when a fork-only target's arguments are not
/// packed: the type provides `void mpact_hand_over(const T&)` (found by ADL), which calls
/// on_handed_over().
template <class T>
concept HandedOverArgument = requires(const T& value) {
    mpact_hand_over(value);
};

template <class T>
void hand_over_argument(const T& value) {
    if constexpr (HandedOverArgument<T>) mpact_hand_over(value);
}

/// While alive, export_descriptor() on this thread collects into a new list (scopes nest).
class DescriptorExportScope {
  public:
    DescriptorExportScope();
    DescriptorExportScope(const DescriptorExportScope&) = delete;
    DescriptorExportScope& operator=(const DescriptorExportScope&) = delete;
    ~DescriptorExportScope();
    /// What was exported; nullptr if nothing was.
    [[nodiscard]] std::shared_ptr<ExportedDescriptors> take();

  private:
    ExportedDescriptors& collected();
    std::shared_ptr<ExportedDescriptors> collected_;
    DescriptorExportScope* previous_;
    friend std::uint32_t mpact::export_descriptor(int, const char*);
    friend void mpact::on_handed_over(std::function<void(const HandedOver&)>);
};

/// While alive (in a child), import_descriptor() takes from `fds` (index = position);
/// descriptors nobody took are closed when the scope ends.
class DescriptorImportScope {
  public:
    explicit DescriptorImportScope(std::vector<int> fds);
    DescriptorImportScope(const DescriptorImportScope&) = delete;
    DescriptorImportScope& operator=(const DescriptorImportScope&) = delete;
    ~DescriptorImportScope();

  private:
    std::vector<int> fds_;
    DescriptorImportScope* previous_;
    friend int mpact::import_descriptor(std::uint32_t);
};

}  // namespace detail
}  // namespace mpact
