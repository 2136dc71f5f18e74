#pragma once
/// mpact::Event: a flag shared by processes, held by an actor in the process that created it.
///
///     void runner(mpact::Event go) { go.wait(); ... }   // def runner(go): go.wait(); ...
///     MPACT_TASK(runner);
///     mpact::Event go;                                  // go = Event()
///     ... start the runners ...
///     go.set();                                         // go.set()
///
/// Python: multiprocessing.Event. wait() returns at once while the flag is set.
/// Timeout: wait(timeout) → false when it passes; the untimed wait waits while the event's
/// process lives. Throws: ActorDownError (the creating process has ended).
/// Thread-safety: any thread may use any handle at any time.
#include <mpact/detail/sync_handle.hpp>
#include <mpact/time.hpp>

#include <optional>

namespace mpact {

/// Python: multiprocessing.Event.
class Event {
  public:
    /// A new, clear event (its actor starts in this process). Python: Event().
    Event();

    /// True while the flag is set. Python: is_set().
    [[nodiscard]] bool is_set() const;
    /// Sets the flag and wakes every waiter. Python: set().
    void set() const;
    /// Clears the flag. Python: clear().
    void clear() const;
    /// Waits until the flag is set; true. Python: wait().
    bool wait() const { return wait_impl(std::nullopt); }
    /// As wait(), false if `timeout` passes first. Python: wait(timeout=t).
    [[nodiscard]] bool wait(Duration timeout) const { return wait_impl(timeout); }

    using Wire = ActorRef;
    [[nodiscard]] const Wire& packed() const noexcept { return h_.actor(); }
    static Event from_wire(const Wire& w) { return Event(detail::SyncHandle(w)); }

  private:
    explicit Event(detail::SyncHandle h) : h_(std::move(h)) {}
    bool wait_impl(std::optional<Duration> timeout) const;
    detail::SyncHandle h_;
};

}  // namespace mpact
