// A root process for the resource tests (sessions, descriptors, scratch space), run as a
// child so that its environment and limits are its own:
//   hold <file>      makes a session with a kept spill file, writes "<session dir>\n<scratch
//                    dir>\n" to <file> (renamed in whole), then waits to be killed
//   touch            makes a session and exits (a new root: it cleans up after dead ones)
//   nofile           makes a session; exits 0 when the soft descriptor limit is the hard one
//   fds <n> <q>      a Pool of n workers and q queues used from the workers; exits 0 when all
//                    worked, 3 after a typed mpact error (printed)
//   spill <mode>     on a small scratch directory: a 64 MiB item with the disk full ("full"),
//                    an item of many parts with the disk full ("full-many"),
//                    filling mid-item ("fills"), or behind two kept files ("kept"); exits 0
//                    when each item came back whole, 3 after a typed error from put()
#include <mpact/errors.hpp>
#include <mpact/internal/session.hpp>
#include <mpact/node.hpp>
#include <mpact/pool.hpp>
#include <mpact/queue.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#if defined(__SANITIZE_THREAD__)
// The "fds" role ends with _exit while the node's threads run (it never destroys a pool that
// failed to start); TSan would report those threads as leaked and turn exit 3 into 66.
extern "C" const char* __tsan_default_options() {
    return "report_thread_leaks=0";
}
#endif
#include <fstream>
#include <string>
#include <vector>

namespace {

int put_and_count(mpact::Queue<int> q, int v) {
    q.put(v);
    return v;
}
MPACT_TASK(put_and_count);

std::string pattern(std::size_t bytes, int seed) {
    std::string s(bytes, '\0');
    for (std::size_t i = 0; i < bytes; ++i) s[i] = static_cast<char>((i * 7 + seed) % 251);
    return s;
}

// `destroy`: on the error, destroy the pool (and queues) before exiting 4, the path that hung
// in ~Pool -> terminate -> join when the pool's actor had stopped on its own. Otherwise the
// pool is left and the process _exits 3: only how the shortage is reported is looked at.
int fds(int processes, int queues, bool destroy) {
    auto* pool = new mpact::Pool(processes);
    try {
        std::vector<mpact::Queue<int>> qs(static_cast<std::size_t>(queues));
        std::vector<mpact::AsyncResult<int>> results;
        for (int i = 0; i < queues * 4; ++i) {
            results.push_back(pool->apply_async(put_and_count, qs[i % queues], i));
        }
        for (auto& r : results) static_cast<void>(r.get(std::chrono::seconds(60)));
        long sum = 0;
        for (int i = 0; i < queues * 4; ++i) sum += qs[i % queues].get(std::chrono::seconds(30));
        delete pool;
        return sum == static_cast<long>(queues * 4) * (queues * 4 - 1) / 2 ? 0 : 1;
    } catch (const mpact::Error& e) {
        std::fprintf(stderr, "error: %s: %s\n", e.kind(), e.what());
        std::fflush(stderr);
        if (!destroy) ::_exit(3);
    }
    delete pool;  // bounded: the test's deadline is the check
    return 4;
}

// Fills the scratch directory's file system until `leave` bytes are left, roughly.
void fill_scratch(std::size_t leave) {
    auto path = mpact::detail::scratch_dir() + "/filler";
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::string block(64 * 1024, 'f');
    std::size_t written = 0;
    while (std::fwrite(block.data(), 1, block.size(), f) == block.size() && std::fflush(f) == 0) {
        written += block.size();
    }
    std::fclose(f);
    // Now full: give back `leave` bytes.
    ::truncate(path.c_str(), static_cast<off_t>(written > leave ? written - leave : 0));
}

int check_round_trip(mpact::Queue<std::string>& q, std::size_t bytes, int seed) {
    auto item = pattern(bytes, seed);
    q.put(item);
    auto back = q.get(std::chrono::seconds(60));
    if (back != item) {
        std::fprintf(stderr, "item of %zu bytes came back as %zu different bytes\n", bytes,
                     back.size());
        return 1;
    }
    return 0;
}

int spill(const std::string& mode) {
    mpact::Queue<std::string> q;
    constexpr std::size_t MiB = std::size_t{1} << 20;
    if (mode == "full") {
        fill_scratch(256 * 1024);
        return check_round_trip(q, 64 * MiB, 1);
    }
    if (mode == "fills") return check_round_trip(q, 64 * MiB, 2);
    if (mode == "full-many") {
        // Many writes: the first to reach the file meets a full disk.
        fill_scratch(256 * 1024);
        std::vector<std::string> item;
        for (int i = 0; i < 16; ++i) item.push_back(pattern(MiB - 100, i));
        mpact::Queue<std::vector<std::string>> many;
        many.put(item);
        return many.get(std::chrono::seconds(60)) == item ? 0 : 1;
    }
    if (mode == "kept") {
        // Two items in flight at once, then consumed: two kept files of 3.5 MiB.
        auto a = pattern(7 * MiB / 2, 3), b = pattern(7 * MiB / 2, 4);
        q.put(a);
        q.put(b);
        if (q.get(std::chrono::seconds(60)) != a || q.get(std::chrono::seconds(60)) != b) return 1;
        // An empty queue: the next item needs the room the kept files hold.
        return check_round_trip(q, 5 * MiB, 5);
    }
    return 2;
}

int hold(const std::string& file) {
    mpact::Queue<std::string> q;
    q.put(std::string(2 << 20, 'k'));  // spilled, then kept once consumed
    if (q.get(std::chrono::seconds(60)).size() != (2u << 20)) return 1;
    {
        std::ofstream out(file + ".tmp");
        out << mpact::detail::session().dir << '\n' << mpact::detail::scratch_dir() << '\n';
    }
    std::rename((file + ".tmp").c_str(), file.c_str());
    for (;;) ::pause();
}

}  // namespace

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    if (argc < 2) return 2;
    const std::string mode = argv[1];
    try {
        if (mode == "hold" && argc == 3) return hold(argv[2]);
        if (mode == "touch") return mpact::node_endpoint().empty() ? 1 : 0;
        if (mode == "nofile") {
            static_cast<void>(mpact::node_endpoint());
            rlimit limit{};
            ::getrlimit(RLIMIT_NOFILE, &limit);
            return limit.rlim_cur == limit.rlim_max ? 0 : 1;
        }
        if (mode == "fds" && argc == 4) return fds(std::stoi(argv[2]), std::stoi(argv[3]), false);
        if (mode == "fds-destroy" && argc == 4) {
            return fds(std::stoi(argv[2]), std::stoi(argv[3]), true);
        }
        if (mode == "spill" && argc == 3) return spill(argv[2]);
    } catch (const mpact::Error& e) {
        std::fprintf(stderr, "error: %s: %s\n", e.kind(), e.what());
        return 3;
    }
    return 2;
}
