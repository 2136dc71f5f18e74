// bench_util.hpp — what every C++ contender of mpact-bench shares: the command line
// (`--quick`), one clock, median/p99, the single JSON result line, forked peer processes,
// token pipes for coordinating them, and scratch ipc:// endpoints.
//
// Header-only and independent of mpact, so raw_zmq.cpp and mpact.cpp contenders measure
// with the same ruler. The contract with the driver (tools/bench/mpact_bench.py):
//   argv: [--quick]        stdout: exactly one line
//   {"value": <number>, "unit": "<unit>", "n": <iterations>, "note": "...", <extra numbers>}
//   exit status 0 on success; diagnostics go to stderr.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bench {

using namespace std::chrono_literals;

/// Command-line options every contender accepts.
struct Options {
    bool quick = false;  ///< fewer iterations: a smoke run for CI, not a measurement

    /// `full` normally, `small` under --quick.
    template <class T>
    [[nodiscard]] T pick(T full, T small) const {
        return quick ? small : full;
    }
};

/// Parses argv; throws std::invalid_argument on anything but --quick.
inline Options parse_options(int argc, char** argv) {
    Options opt;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--quick") {
            opt.quick = true;
        } else {
            throw std::invalid_argument("unknown argument '" + std::string(arg) +
                                        "' (only --quick)");
        }
    }
    return opt;
}

/// CLOCK_MONOTONIC in nanoseconds: one timeline shared by every process on the machine
/// (Python's time.monotonic() reads the same clock), so a stamp taken in one process can be
/// compared with a stamp taken in another.
inline std::int64_t now_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

/// The q-quantile (0..1) by nearest rank; throws on an empty sample.
inline double percentile(std::vector<double> xs, double q) {
    if (xs.empty()) throw std::invalid_argument("percentile of an empty sample");
    std::sort(xs.begin(), xs.end());
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(xs.size())));
    return xs[std::clamp<std::size_t>(rank, 1, xs.size()) - 1];
}

/// The median (mean of the two middle values for an even count).
inline double median(std::vector<double> xs) {
    if (xs.empty()) throw std::invalid_argument("median of an empty sample");
    std::sort(xs.begin(), xs.end());
    const std::size_t mid = xs.size() / 2;
    return xs.size() % 2 != 0 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2.0;
}

/// One measurement, printed by emit() as the contender's single JSON line.
struct Result {
    double value = 0;
    std::string unit;
    std::int64_t n = 0;  ///< iterations (messages, items, round trips) behind `value`
    std::string note;    ///< how it was measured, in a few words
    std::vector<std::pair<std::string, double>> extra;  ///< e.g. {"p99", 123.4}
};

namespace detail {
inline std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                    out += buf;
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

inline std::string json_number(double x) {
    if (!std::isfinite(x)) return "null";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", x);
    return buf;
}
}  // namespace detail

/// Prints the result as one JSON line on stdout and flushes.
inline void emit(const Result& r) {
    std::string line = "{\"value\": " + detail::json_number(r.value) +
                       ", \"unit\": " + detail::json_string(r.unit) +
                       ", \"n\": " + std::to_string(r.n) +
                       ", \"note\": " + detail::json_string(r.note);
    for (const auto& [key, x] : r.extra) {
        line += ", " + detail::json_string(key) + ": " + detail::json_number(x);
    }
    line += "}\n";
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);
}

/// A forked peer process running `body`; its return value is the exit status. The child
/// dies with the parent (PR_SET_PDEATHSIG). Destroying a Child that was not joined kills
/// it (SIGKILL) and reaps it: no contender leaves an orphan behind.
///
/// Fork before creating any ZeroMQ context in the parent (a context does not survive fork);
/// the child builds its own.
class Child {
  public:
    explicit Child(const std::function<int()>& body) {
        const pid_t parent = ::getpid();
        std::fflush(nullptr);  // do not let the child flush the parent's buffered output again
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed: errno " + std::to_string(errno));
        if (pid_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(3);  // the parent died before prctl took effect
            int rc = 2;
            try {
                rc = body();
            } catch (const std::exception& e) {
                std::fprintf(stderr, "child %d: %s\n", ::getpid(), e.what());
            }
            std::fflush(nullptr);
            ::_exit(rc);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    Child(Child&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}
    Child& operator=(Child&&) = delete;
    ~Child() { kill(); }

    [[nodiscard]] pid_t pid() const { return pid_; }

    /// Waits up to `timeout` for the child to exit; throws if it timed out (the child is then
    /// killed) or exited with a non-zero status.
    void join(std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (pid_ > 0) {
            int status = 0;
            const pid_t r = ::waitpid(pid_, &status, WNOHANG);
            if (r == pid_) {
                const pid_t pid = std::exchange(pid_, -1);
                if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
                throw std::runtime_error("child " + std::to_string(pid) + " failed (wait status " +
                                         std::to_string(status) + ")");
            }
            if (r < 0 && errno != EINTR) {
                pid_ = -1;
                throw std::runtime_error("waitpid failed: errno " + std::to_string(errno));
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                kill();
                throw std::runtime_error("child did not exit within the time limit; killed");
            }
            ::usleep(1000);
        }
    }

    /// SIGKILL and reap; idempotent.
    void kill() noexcept {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
    }

  private:
    pid_t pid_ = -1;
};

/// A POSIX pipe carrying one-byte tokens or small fixed-size records between the
/// coordinating parent and its children: the control plane stays out of ZeroMQ, so it
/// neither costs nor perturbs what is measured. Writes below PIPE_BUF are atomic, so several
/// writers may share one pipe.
class TokenPipe {
  public:
    TokenPipe() {
        if (::pipe(fds_) != 0)
            throw std::runtime_error("pipe failed: errno " + std::to_string(errno));
    }
    TokenPipe(const TokenPipe&) = delete;
    TokenPipe& operator=(const TokenPipe&) = delete;
    ~TokenPipe() {
        ::close(fds_[0]);
        ::close(fds_[1]);
    }

    /// The read end, for poll().
    [[nodiscard]] int read_fd() const { return fds_[0]; }

    /// Writes `count` tokens (one per process that waits for one).
    void post(int count = 1) const {
        for (int i = 0; i < count; ++i) write_record(&token_, 1);
    }

    /// Reads one token; throws after `timeout`.
    void take(std::chrono::milliseconds timeout = 30s) const {
        char c = 0;
        read_record(&c, 1, timeout);
    }

    void write_record(const void* data, std::size_t size) const {
        while (::write(fds_[1], data, size) != static_cast<ssize_t>(size)) {
            if (errno != EINTR) throw std::runtime_error("pipe write failed");
        }
    }

    /// Reads exactly `size` bytes (written by one write_record); throws after `timeout`.
    void read_record(void* data, std::size_t size, std::chrono::milliseconds timeout) const {
        pollfd pfd{fds_[0], POLLIN, 0};
        const int r = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
        if (r == 0) throw std::runtime_error("timed out waiting on a control pipe");
        if (r < 0 && errno != EINTR) throw std::runtime_error("poll on a control pipe failed");
        auto* p = static_cast<char*>(data);
        std::size_t got = 0;
        while (got < size) {
            const ssize_t k = ::read(fds_[0], p + got, size - got);
            if (k > 0) {
                got += static_cast<std::size_t>(k);
            } else if (k == 0 || errno != EINTR) {
                throw std::runtime_error("control pipe closed");
            }
        }
    }

  private:
    int fds_[2] = {-1, -1};
    static constexpr char token_ = 't';
};

/// A private directory under /tmp for ipc:// endpoints, removed with everything in it at
/// scope exit (in the process that created it; forked children leave it alone).
class ScratchDir {
  public:
    ScratchDir() {
        std::string templ =
            (std::filesystem::temp_directory_path() / "mpact-bench-XXXXXX").string();
        if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = templ;
        owner_ = ::getpid();
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    ~ScratchDir() {
        if (::getpid() != owner_) return;
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }

    /// "ipc:///tmp/mpact-bench-XXXXXX/<name>"
    [[nodiscard]] std::string ipc(std::string_view name) const {
        return "ipc://" + (path_ / name).string();
    }

  private:
    std::filesystem::path path_;
    pid_t owner_ = -1;
};

/// Runs a contender's body with parsed options; reports an exception on stderr and turns
/// it into exit status 1, so the driver sees a failure rather than a number.
template <class Body>
int run(int argc, char** argv, Body&& body) {
    try {
        body(parse_options(argc, argv));
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", argc > 0 ? argv[0] : "bench", e.what());
        return 1;
    }
}

}  // namespace bench
