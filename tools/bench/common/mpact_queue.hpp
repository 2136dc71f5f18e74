// The queue_* figures' mpact contender: P producer processes put items on one mpact::Queue,
// C consumer processes get them — the same work and timing as common/mp_queue.py (Python)
// and common/zmq_relay.hpp (raw ZeroMQ).
//
// Timing: every child reports ready on a control pipe and waits for go; the parent stamps
// go, each consumer stamps each item it gets. Rate = items / (last item received anywhere -
// go). After the producers have exited (their buffered puts delivered), the parent puts one
// sentinel (nullopt) per consumer; a consumer that gets it has had its items and reports
// (count, last stamp).
#pragma once
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <optional>
#include <string>
#include <vector>

namespace bench_queue {

struct Report {
    std::int64_t count = 0;
    std::int64_t last_ns = 0;
};

/// Items of the figure: a small int, or a 64-byte string.
template <class Item>
Item make_item(std::int64_t i) {
    if constexpr (std::is_same_v<Item, std::string>) {
        return std::string(64, static_cast<char>('a' + i % 26));
    } else {
        return static_cast<Item>(i);
    }
}

template <class Item>
double run_queue(int producers, int consumers, std::int64_t items, std::size_t maxsize) {
    using Slot = std::optional<Item>;  // nullopt: the end sentinel
    mpact::Queue<Slot> queue(maxsize);
    const bench::TokenPipe ready, go, reports;
    std::vector<mpact::Process> procs;
    for (int c = 0; c < consumers; ++c) {
        procs.emplace_back(mpact::ProcessOptions{.start_method = mpact::StartMethod::fork}, [&] {
            ready.post();
            go.take();
            Report r;
            while (queue.get().has_value()) {
                ++r.count;
                r.last_ns = bench::now_ns();
            }
            reports.write_record(&r, sizeof r);
        });
    }
    for (int p = 0; p < producers; ++p) {
        const std::int64_t share = items / producers + (p < items % producers ? 1 : 0);
        procs.emplace_back(mpact::ProcessOptions{.start_method = mpact::StartMethod::fork},
                           [&, share] {
                               ready.post();
                               go.take();
                               for (std::int64_t i = 0; i < share; ++i)
                                   queue.put(make_item<Item>(i));
                           });
    }
    for (auto& p : procs) p.start();
    for (std::size_t i = 0; i < procs.size(); ++i) ready.take();
    const auto t_go = bench::now_ns();
    go.post(static_cast<int>(procs.size()));
    for (int p = consumers; p < consumers + producers; ++p) {
        if (!procs[static_cast<std::size_t>(p)].join(std::chrono::seconds(60)) ||
            procs[static_cast<std::size_t>(p)].exitcode() != 0) {
            throw std::runtime_error("a producer failed or did not finish");
        }
    }
    for (int c = 0; c < consumers; ++c) queue.put(std::nullopt);
    std::int64_t total = 0, t_end = t_go;
    for (int c = 0; c < consumers; ++c) {
        Report r;
        reports.read_record(&r, sizeof r, std::chrono::seconds(60));
        total += r.count;
        t_end = std::max(t_end, r.last_ns);
    }
    for (int c = 0; c < consumers; ++c) {
        if (!procs[static_cast<std::size_t>(c)].join(std::chrono::seconds(30))) {
            throw std::runtime_error("a consumer did not exit");
        }
    }
    if (total != items) {
        throw std::runtime_error("consumers got " + std::to_string(total) + " of " +
                                 std::to_string(items) + " items");
    }
    return static_cast<double>(total) * 1e9 / static_cast<double>(t_end - t_go);
}

/// The contender's body: `full` items normally, `quick` under --quick; maxsize 0: unbounded.
template <class Item>
int main(int argc, char** argv, int producers, int consumers, std::int64_t full, std::int64_t quick,
         const char* what, std::size_t maxsize = 0) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [&](const bench::Options& opt) {
        const auto n = opt.pick(full, quick);
        const double rate = run_queue<Item>(producers, consumers, n, maxsize);
        const auto queue = maxsize == 0 ? std::string("mpact::Queue")
                                        : "mpact::Queue(maxsize=" + std::to_string(maxsize) + ")";
        bench::emit({rate,
                     "items/s",
                     n,
                     queue + ", " + std::to_string(producers) + " producer process(es) -> " +
                         std::to_string(consumers) + " consumer process(es) (fork), " +
                         std::to_string(n) + " " + what + ", timed from go to last item received",
                     {}});
    });
}

}  // namespace bench_queue
