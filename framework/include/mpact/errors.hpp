#pragma once
/// mpact's exceptions, all in one place. Each mirrors a Python exception a multiprocessing
/// user already knows; `kind()` is a stable name so an error can cross the wire (RemoteError).
#include <stdexcept>
#include <string>

namespace mpact {

/// Base of every mpact exception. Python: the builtin exception each subclass mirrors.
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
    /// Stable, wire-safe name of the error type, e.g. "TimeoutError".
    [[nodiscard]] virtual const char* kind() const noexcept { return "Error"; }
};

#define MPACT_DEFINE_ERROR(Name)                                                   \
    class Name : public Error {                                                    \
      public:                                                                      \
        using Error::Error;                                                        \
        [[nodiscard]] const char* kind() const noexcept override { return #Name; } \
    }

/// A blocking call ran out of time. Python: TimeoutError / multiprocessing.TimeoutError.
MPACT_DEFINE_ERROR(TimeoutError);
/// The other end closed or died and nothing more will arrive. Python: EOFError.
MPACT_DEFINE_ERROR(EOFError);
/// get() on an empty queue that stayed empty. Python: queue.Empty.
MPACT_DEFINE_ERROR(Empty);
/// put() on a full bounded queue that stayed full. Python: queue.Full.
MPACT_DEFINE_ERROR(Full);
/// A Barrier was broken (reset, aborted, or a party died). Python: threading.BrokenBarrierError.
MPACT_DEFINE_ERROR(BrokenBarrierError);
/// A peer did not prove it holds the session's authkey. Python: AuthenticationError.
MPACT_DEFINE_ERROR(AuthenticationError);
/// A worker lost its process mid-task and retries were exhausted. Python: none (Python hangs).
MPACT_DEFINE_ERROR(WorkerLostError);
/// A pool task was cancelled (AsyncResult::cancel) before it finished.
/// Python: concurrent.futures.CancelledError.
MPACT_DEFINE_ERROR(CancelledError);
/// A process could not be started or managed. Python: multiprocessing.ProcessError.
MPACT_DEFINE_ERROR(ProcessError);
/// Misuse of the API (start twice, join before start, release an unheld lock).
/// Python: ValueError / AssertionError / RuntimeError where multiprocessing raises those.
MPACT_DEFINE_ERROR(ValueError);
/// An index outside a sequence (an Array's load(i) or store(i, x) past its size).
/// Python: IndexError.
MPACT_DEFINE_ERROR(IndexError);
/// A message that does not follow docs/protocol.md (malformed, oversized, wrong version,
/// wrong argument types for a task). Python: none; pickle errors are the nearest.
MPACT_DEFINE_ERROR(ProtocolError);
/// The actor (or its whole process) a request went to has ended; the reply will never come.
/// Python: BrokenPipeError / EOFError on a manager proxy.
MPACT_DEFINE_ERROR(ActorDownError);
/// A key a mapping does not hold (a Manager dict's get(k), pop(k)). Python: KeyError.
MPACT_DEFINE_ERROR(KeyError);
/// A name a Manager Namespace does not hold. Python: AttributeError.
MPACT_DEFINE_ERROR(AttributeError);

#undef MPACT_DEFINE_ERROR

/// A socket call failed: an address already in use, nothing listening, no such path.
/// Python: OSError (its subclasses below where Python has one). errno() is the OS error
/// number (0 when it came over the wire).
class OSError : public Error {
  public:
    explicit OSError(const std::string& message, int error_number = 0)
        : Error(message), errno_(error_number) {}
    [[nodiscard]] const char* kind() const noexcept override { return "OSError"; }
    [[nodiscard]] int error_number() const noexcept { return errno_; }

  private:
    int errno_;
};
/// Nobody listens at the address connected to. Python: ConnectionRefusedError.
class ConnectionRefusedError : public OSError {
  public:
    using OSError::OSError;
    [[nodiscard]] const char* kind() const noexcept override { return "ConnectionRefusedError"; }
};

/// An exception raised in another process, carried back: its type name, message and the
/// remote stack text. Python: multiprocessing.pool.RemoteTraceback chained to the original.
class RemoteError : public Error {
  public:
    RemoteError(std::string type, std::string message, std::string stack = {})
        : Error(type + ": " + message),
          type_(std::move(type)),
          message_(std::move(message)),
          stack_(std::move(stack)) {}
    [[nodiscard]] const char* kind() const noexcept override { return "RemoteError"; }
    /// The remote exception's type name (its `kind()` for mpact errors, else demangled C++ name).
    [[nodiscard]] const std::string& remote_type() const noexcept { return type_; }
    /// The remote exception's what().
    [[nodiscard]] const std::string& remote_message() const noexcept { return message_; }
    /// Where it was raised, as text (process, task, and a backtrace when available).
    [[nodiscard]] const std::string& remote_stack() const noexcept { return stack_; }

  private:
    std::string type_;
    std::string message_;
    std::string stack_;
};

/// Rebuilds the typed exception named by `kind` (as sent over the wire) and throws it;
/// unknown kinds become RemoteError. Used wherever a remote failure reaches a caller.
[[noreturn]] void throw_error(const std::string& kind, const std::string& message,
                              const std::string& stack = {});

}  // namespace mpact
