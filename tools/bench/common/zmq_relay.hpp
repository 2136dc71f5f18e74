// zmq_relay.hpp — the raw ZeroMQ peer of the queue_* figures: P producer processes PUSH
// items to a broker process (PULL -> PUSH) that relays them to C consumer processes (PULL),
// one ZeroMQ message per item, over ipc://. This is the floor of any broker-based queue
// built on ZeroMQ without batching (design.md §9.3).
//
// Timing: every process first reports "ready" (sockets bound/connected) on a control pipe
// and waits for "go"; the parent stamps the go time, and each consumer stamps each item it
// receives. Rate = items / (last item received anywhere - go).
//
// Termination without losing data (design.md §9.1): after relaying all N items the broker
// sends rounds of empty "stop" messages; stop follows data on every pipe, so a consumer that
// sees its first stop has received all its items and reports (count, last stamp). When all
// C consumers have reported, the parent hands out "exit" tokens and everyone closes. No
// socket closes before every item was counted.
#pragma once

#include "bench_util.hpp"

#include <zmq.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct RelayConfig {
    int producers = 1;
    int consumers = 1;
    std::size_t item_size = 8;  ///< bytes per item (8 = an int64)
    std::int64_t items = 0;     ///< total over all producers
};

struct RelayReport {
    std::int64_t count = 0;
    std::int64_t last_ns = 0;
};

/// Blocks until this process's exit token arrives, draining `drain` (if any) meanwhile so
/// the broker's stop rounds never block on a full pipe.
inline void wait_for_exit(const TokenPipe& exit_tokens, zmq::socket_t* drain) {
    for (;;) {
        std::vector<zmq::pollitem_t> items{{nullptr, exit_tokens.read_fd(), ZMQ_POLLIN, 0}};
        if (drain != nullptr) items.push_back({drain->handle(), 0, ZMQ_POLLIN, 0});
        zmq::poll(items, std::chrono::milliseconds(1000));
        if ((items[0].revents & ZMQ_POLLIN) != 0) {
            exit_tokens.take();
            return;
        }
        zmq::message_t junk;
        while (drain != nullptr && drain->recv(junk, zmq::recv_flags::dontwait)) {
        }
    }
}

/// Runs the relay once and returns items per second; throws on any failure or timeout.
inline double run_relay(const RelayConfig& cfg) {
    const ScratchDir dir;
    const std::string front = dir.ipc("front");
    const std::string back = dir.ipc("back");
    const TokenPipe ready, go, exit_tokens, reports;
    const int children = cfg.producers + cfg.consumers + 1;

    std::vector<Child> procs;
    procs.reserve(static_cast<std::size_t>(children));

    procs.emplace_back([&] {  // broker
        zmq::context_t ctx;
        zmq::socket_t in(ctx, zmq::socket_type::pull);
        zmq::socket_t out(ctx, zmq::socket_type::push);
        in.bind(front);
        out.bind(back);
        ready.post();
        go.take();
        zmq::message_t msg;
        for (std::int64_t i = 0; i < cfg.items; ++i) {
            if (!in.recv(msg)) return 1;
            out.send(msg, zmq::send_flags::none);
        }
        for (;;) {  // stop rounds until the parent says exit
            for (int c = 0; c < cfg.consumers; ++c)
                out.send(zmq::message_t{}, zmq::send_flags::none);
            pollfd pfd{exit_tokens.read_fd(), POLLIN, 0};
            if (::poll(&pfd, 1, 5) > 0) break;
        }
        exit_tokens.take();
        in.set(zmq::sockopt::linger, 0);
        out.set(zmq::sockopt::linger, 0);
        return 0;
    });
    ready.take();  // the broker has bound: peers connect to an existing endpoint

    for (int c = 0; c < cfg.consumers; ++c) {
        procs.emplace_back([&] {
            zmq::context_t ctx;
            zmq::socket_t in(ctx, zmq::socket_type::pull);
            in.connect(back);
            ready.post();
            go.take();
            RelayReport report;
            zmq::message_t msg;
            for (;;) {
                if (!in.recv(msg)) return 1;
                if (msg.size() == 0) break;  // stop: every item meant for us has arrived
                ++report.count;
                report.last_ns = now_ns();
            }
            reports.write_record(&report, sizeof report);
            wait_for_exit(exit_tokens, &in);
            in.set(zmq::sockopt::linger, 0);
            return 0;
        });
    }

    for (int p = 0; p < cfg.producers; ++p) {
        const std::int64_t share =
            cfg.items / cfg.producers + (p < cfg.items % cfg.producers ? 1 : 0);
        procs.emplace_back([&, share] {
            zmq::context_t ctx;
            zmq::socket_t out(ctx, zmq::socket_type::push);
            out.connect(front);
            std::vector<char> item(cfg.item_size, 'x');
            ready.post();
            go.take();
            for (std::int64_t i = 0; i < share; ++i) {
                out.send(zmq::buffer(item), zmq::send_flags::none);
            }
            wait_for_exit(exit_tokens, nullptr);
            out.set(zmq::sockopt::linger, 0);
            return 0;
        });
    }

    for (int i = 1; i < children; ++i) ready.take();
    const std::int64_t t_go = now_ns();
    go.post(children);

    std::int64_t total = 0;
    std::int64_t t_end = t_go;
    for (int c = 0; c < cfg.consumers; ++c) {
        RelayReport r;
        reports.read_record(&r, sizeof r, 60s);
        total += r.count;
        t_end = std::max(t_end, r.last_ns);
    }
    exit_tokens.post(children);
    for (auto& p : procs) p.join();
    if (total != cfg.items) {
        throw std::runtime_error("relay delivered " + std::to_string(total) + " of " +
                                 std::to_string(cfg.items) + " items");
    }
    return static_cast<double>(total) * 1e9 / static_cast<double>(t_end - t_go);
}

/// The contender's main body: runs the relay, emits items/s.
inline void relay_contender(const Options& opt, RelayConfig cfg, std::int64_t full_items,
                            std::int64_t quick_items) {
    cfg.items = opt.pick(full_items, quick_items);
    const double rate = run_relay(cfg);
    emit({.value = rate,
          .unit = "items/s",
          .n = cfg.items,
          .note = std::to_string(cfg.producers) +
                  " producer(s) -PUSH-> broker (PULL/PUSH) -PUSH-> " +
                  std::to_string(cfg.consumers) + " consumer(s), cppzmq over ipc://, one " +
                  std::to_string(cfg.item_size) +
                  "-byte message per item, timed from go to "
                  "last item received"});
}

}  // namespace bench
