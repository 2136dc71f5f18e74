#pragma once
/// mpact::pipe() makes two connected Connections: a direct process-to-process channel (a
/// Unix socketpair, no actor and no ZeroMQ in between), as multiprocessing.Pipe does.
///
///     void child(mpact::Connection c) { c.send(std::string("hello")); c.close(); }
///     MPACT_TASK(child);
///     auto [here, there] = mpact::pipe();
///     mpact::Process p{child, there};         // any start method
///     p.start();                               // hands `there` over: our copy closes
///     auto s = here.recv<std::string>();       // "hello"
///     here.recv<std::string>();                // throws mpact::EOFError
///
/// Python: `here, there = Pipe(); Process(target=child, args=(there,)); there.close()`.
/// EOF: recv raises EOFError once every message sent before it has been received and the
/// other end was closed (close() queues an end-of-stream mark after the last message) or
/// every process holding it is gone (a SIGKILLed peer included). Passing a Connection to a
/// child: only as an argument of mpact::Process (any start method); anywhere else,
/// serialising a Connection is a ValueError.
/// Handing over (Python has no twin: its docs tell you to close the parent's copy): a
/// Connection among a Process's arguments is closed in the parent, every copy, once start()
/// has started the child, so the child's death always reaches the other end as EOFError;
/// a later use here is a ValueError that says so, close() stays a no-op. To keep using it
/// in the parent too, pass mpact::keep(c); then the parent's copy holds the stream open.
/// Timeouts bound the wait for a message to begin; a begun message is read to its end (a
/// writer that dies mid-message gives EOFError). send() waits while the pipe is full, as in
/// Python; send(obj, timeout) bounds that wait.
/// Thread-safety: copies share one descriptor per process; use one end from one thread at a
/// time (as in Python).
#include <mpact/codec.hpp>
#include <mpact/detail/connection_frame.hpp>
#include <mpact/errors.hpp>
#include <mpact/time.hpp>
#include <mpact/wait.hpp>

#include <msgpack.hpp>

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace mpact {

class Connection;

/// Options of pipe(); designated initialisers are the keyword arguments.
struct PipeOptions {
    /// true: both ends send and receive. false: the first end only receives and the second
    /// only sends (misuse is a ValueError).
    bool duplex = true;
    /// Low latency (Python has no twin): recv() and poll(timeout) first busy-poll the socket
    /// (a non-blocking check, a CPU pause hint, again) for at most `spin`, then sleep in the
    /// kernel as usual. On by default: on a VM a process that sleeps is woken in ~25 us per
    /// hop, and a request/reply ping-pong whose answer comes within `spin` then costs ~7 us
    /// instead of ~50 (docs/architecture.md, "Pipe", for numbers). Cost: a core kept busy for
    /// up to `spin` per receive that has to wait. Spinning that does not pay (the peer is
    /// slower, or waits for this very core) is skipped: after a spin that runs out, the next
    /// 1, 2, 4 ... 1024 receives block at once. Zero (or negative) never spins, as Python.
    /// Both ends, their copies and an end handed to a child keep `spin`; mpact::wait() on a
    /// sentinel never spins. Timeouts, EOF and errors are as without it (a timeout shorter
    /// than `spin` ends the spin). Unset: the process-wide default, mpact::default_spin()
    /// (50 us unless mpact::InitOptions::spin or MPACT_SPIN_US says otherwise).
    ///     auto [a, b] = mpact::pipe({.duplex = true, .spin = std::chrono::microseconds(0)});
    std::optional<Duration> spin;
};

/// Two connected ends. Python: `multiprocessing.Pipe(duplex=True)`.
/// Throws ProcessError if the OS has no descriptors left.
[[nodiscard]] std::pair<Connection, Connection> pipe(PipeOptions options = {});

/// A copy of `c` that a Process does not hand over: passed as an argument, the parent's
/// Connection stays open after start() (Python's behaviour; close it yourself, or the
/// child's death will not reach the other end).
///     mpact::Process p{child, mpact::keep(there)};
[[nodiscard]] Connection keep(Connection c);

namespace detail {
struct ConnectionState;
}  // namespace detail

/// How a Connection marks where its messages begin and end on the stream.
enum class Framing : std::uint8_t {
    /// mpact's frame (docs/protocol.md, "Pipe frames"), with an end-of-stream mark at
    /// close(): what pipe() makes.
    mpact,
    /// Python's multiprocessing.connection framing: a 4-byte big-endian signed length (from
    /// 2 GiB on: -1, then an 8-byte big-endian length) and the payload; EOF is the end of the
    /// stream. What mpact::Listener / mpact::Client make, so a Python peer reads it.
    python,
};

/// Options of Connection::adopt().
struct AdoptOptions {
    Framing framing = Framing::python;
    /// The busy-poll budget (PipeOptions::spin); unset: mpact::default_spin().
    std::optional<Duration> spin;
};

/// One end of a pipe. A cheap copyable handle; the last copy in a process closes it.
class Connection {
  public:
    /// A closed Connection (every operation but close() is a ValueError).
    Connection() = default;

    /// Sends `obj` as one message (its msgpack form; large strings are not copied).
    /// Python: send(obj). Blocks while the pipe is full. Throws ValueError if closed or
    /// read-only or over 2 GiB, EOFError if the other end is gone (Python: BrokenPipeError).
    template <class T>
    void send(const T& obj) {
        transmit(obj, std::nullopt);
    }
    /// As send(obj), but TimeoutError if the pipe stays full until `timeout` passes (the
    /// peer does not read). Before the first byte went, nothing was sent and the Connection
    /// is as before; in the middle of the message, this end's stream ends there: the peer
    /// gets every earlier message and then EOFError, and later sends here raise EOFError.
    template <class T>
    void send(const T& obj, Duration timeout) {
        transmit(obj, deadline_after(timeout));
    }

    /// Receives one message as T; waits as long as the other end lives. Python: recv().
    /// Throws EOFError after the last message, ProtocolError if it is not a T (the message
    /// is consumed) or the stream is malformed, ValueError if closed or write-only.
    template <class T>
    [[nodiscard]] T recv() {
        return receive<T>(std::nullopt);
    }
    /// As recv(), but TimeoutError if no message begins to arrive within `timeout`.
    template <class T>
    [[nodiscard]] T recv(Duration timeout) {
        return receive<T>(deadline_after(timeout));
    }

    /// True if a message (or EOF) is waiting. Python: poll(timeout=0) — without an argument
    /// it does not wait. ValueError if closed or write-only.
    [[nodiscard]] bool poll(Duration timeout = Duration::zero());

    /// Sends `size` bytes of `buffer` from `offset` (default: the rest) as one message.
    /// Python: send_bytes(buf, offset, size). ValueError for a range outside the buffer.
    void send_bytes(std::string_view buffer, std::size_t offset = 0,
                    std::optional<std::size_t> size = std::nullopt);
    /// As send_bytes(), with send(obj, timeout)'s timeout.
    void send_bytes(Duration timeout, std::string_view buffer, std::size_t offset = 0,
                    std::optional<std::size_t> size = std::nullopt);

    /// Receives one message's bytes. Python: recv_bytes(maxlength). A message longer than
    /// `maxlength` raises ProtocolError and stays queued (Python raises OSError and the
    /// connection becomes unusable); read it with a larger limit.
    [[nodiscard]] std::string recv_bytes();
    [[nodiscard]] std::string recv_bytes(std::size_t maxlength);
    /// As recv_bytes(maxlength), but TimeoutError if no message begins within `timeout`.
    [[nodiscard]] std::string recv_bytes(Duration timeout,
                                         std::optional<std::size_t> maxlength = std::nullopt);

    /// Reads one message into `buffer` from `offset`; returns its size. Python:
    /// recv_bytes_into(buf, offset). A message that does not fit raises ValueError and stays
    /// queued (Python raises BufferTooShort carrying it).
    [[nodiscard]] std::size_t recv_bytes_into(std::span<char> buffer, std::size_t offset = 0);
    /// As recv_bytes_into(), but TimeoutError if no message begins within `timeout`.
    [[nodiscard]] std::size_t recv_bytes_into(Duration timeout, std::span<char> buffer,
                                              std::size_t offset = 0);

    /// Closes this process's descriptor for every copy here; idempotent. If this process
    /// sent on this end, an end-of-stream mark follows its last message (waiting at most
    /// 1 s for room), so the peer sees EOF even while another process still holds a copy.
    /// Python: close().
    void close() noexcept;

    /// Python: the closed / readable / writable properties and fileno().
    [[nodiscard]] bool closed() const noexcept;
    [[nodiscard]] bool readable() const noexcept;
    [[nodiscard]] bool writable() const noexcept;
    [[nodiscard]] int fileno() const;
    /// Readable when a message or EOF is waiting; for mpact::wait. ValueError if closed.
    [[nodiscard]] Sentinel sentinel() const;
    /// The busy-poll budget of this end (PipeOptions::spin); zero for a closed Connection.
    [[nodiscard]] Duration spin() const noexcept;

    /// The msgpack form inside a Process's arguments: [descriptor index, readable, writable,
    /// spin in ns] (see <mpact/descriptors.hpp>). ValueError outside a Process's argument pack.
    struct Wire {
        std::uint32_t index = 0;
        bool readable = false;
        bool writable = false;
        std::int64_t spin_ns = 0;
        Framing framing = Framing::mpact;
        MSGPACK_DEFINE(index, readable, writable, spin_ns, framing)
    };
    [[nodiscard]] Wire export_to_child() const;
    [[nodiscard]] static Connection import_from_parent(const Wire& wire);

    /// Wraps `fd`, an already connected stream socket (AF_UNIX or TCP), as a duplex
    /// Connection that owns it from now on (closes it at the last copy, or at once if this
    /// throws). How mpact::Listener and mpact::Client hand out the Pipe's type.
    /// ValueError if `fd` is negative.
    [[nodiscard]] static Connection adopt(int fd, AdoptOptions options = {});
    /// The framing of this end (Framing::mpact for a closed Connection).
    [[nodiscard]] Framing framing() const noexcept;

  private:
    friend std::pair<Connection, Connection> pipe(PipeOptions);
    friend Connection keep(Connection c);
    // Hands this end over to the Process whose arguments hold it (a fork-only target's,
    // which are not packed; see <mpact/descriptors.hpp>).
    friend void mpact_hand_over(const Connection& c) { c.hand_over_at_start(); }
    Connection(int fd, bool readable, bool writable, Duration spin,
               Framing framing = Framing::mpact);
    // Asks the Process being built to close this end here once its child has started.
    void hand_over_at_start() const;

    static constexpr std::size_t limit_none = ~std::size_t{0};
    // Packs `obj` and sends it as one message by `deadline`.
    template <class T>
    void transmit(const T& obj, MaybeDeadline deadline) {
        msgpack::vrefbuffer buffer;
        msgpack::pack(buffer, obj);
        send_iov(buffer.vector(), buffer.vector_size(), deadline);
    }
    void send_iov(const iovec* parts, std::size_t count, MaybeDeadline deadline);
    void send_range(std::string_view buffer, std::size_t offset, std::optional<std::size_t> size,
                    MaybeDeadline deadline);
    // A message in two steps: its header (waiting until `deadline` for it to begin; a
    // message longer than `maxlength` stays queued), then its payload, read to the end.
    [[nodiscard]] std::uint32_t begin_message(MaybeDeadline deadline, std::size_t maxlength);
    void finish_message(char* data, std::uint32_t length);
    // The header of the next message in this end's framing (EOFError at the stream's end).
    static std::uint32_t read_python_header(detail::ConnectionState& s);
    static std::uint32_t read_mpact_header(detail::ConnectionState& s);
    // A frame; with a sink, a large str/bin message is read into it and the frame is empty.
    [[nodiscard]] detail::Frame receive_frame(MaybeDeadline deadline,
                                              const detail::BytesSink* sink = nullptr);
    [[nodiscard]] std::string read_bytes(MaybeDeadline deadline, std::size_t maxlength);
    [[nodiscard]] std::size_t read_into(MaybeDeadline deadline, std::span<char> buffer,
                                        std::size_t offset);
    [[nodiscard]] detail::ConnectionState& state() const;

    template <class T>
    T receive(MaybeDeadline deadline) {
        try {
            if constexpr (detail::is_byte_buffer_v<T>) {
                T out;
                const detail::BytesSink sink{&out, &detail::place_bytes<T>};
                auto frame = receive_frame(deadline, &sink);
                if (!frame.data) return out;
                return decode<T>(frame);
            } else {
                return decode<T>(receive_frame(deadline));
            }
        } catch (const ProtocolError&) {
            detail::count_refused();
            throw;
        }
    }

    template <class T>
    static T decode(const detail::Frame& frame) {
        auto handle = detail::unpack_frame(frame);
        try {
            T value = handle.get().as<T>();
            detail::check_field_count(handle.get(), value);  // a struct: exactly its fields
            return value;
        } catch (const msgpack::type_error&) {
            throw ProtocolError("recv: the message (" + detail::describe_msgpack(handle.get()) +
                                ") does not convert to the requested type");
        }
    }

    std::shared_ptr<detail::ConnectionState> state_;
    bool keep_ = false;  // mpact::keep(): a Process does not hand this handle's end over
};

}  // namespace mpact

MSGPACK_ADD_ENUM(mpact::Framing);

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
    namespace adaptor {
    template <>
    struct pack<mpact::Connection> {
        template <class Stream>
        packer<Stream>& operator()(packer<Stream>& o, const mpact::Connection& c) const {
            return o.pack(c.export_to_child());
        }
    };
    template <>
    struct convert<mpact::Connection> {
        const msgpack::object& operator()(const msgpack::object& o, mpact::Connection& c) const {
            c = mpact::Connection::import_from_parent(o.as<mpact::Connection::Wire>());
            return o;
        }
    };
    }  // namespace adaptor
}
}  // namespace msgpack
