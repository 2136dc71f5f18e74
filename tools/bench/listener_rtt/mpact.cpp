// listener_rtt — mpact: round trip of an 8-byte send_bytes/recv_bytes over a Connection from
// mpact::Listener / mpact::Client (TCP loopback, with an authkey: Python's wire form and
// handshake), echoed by a child process (an MPACT_TASK under forkserver) that connected as
// Client; median and p99 in us.
#include <mpact/mpact.hpp>

#include <bench_util.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

void echo_client(std::string address) {
    auto c = mpact::Client(address, {.authkey = std::string("bench key")});
    while (true) {
        auto b = c.recv_bytes();
        if (b.empty()) return;
        c.send_bytes(b);
    }
}
MPACT_TASK(echo_client);

}  // namespace

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    return bench::run(argc, argv, [&](const bench::Options& opt) {
        using namespace std::chrono_literals;
        const int warmup = opt.pick(1000, 200);
        const int n = opt.pick(20000, 2000);
        mpact::Listener l{"tcp://127.0.0.1:0", {.authkey = std::string("bench key")}};
        mpact::Process child{echo_client, l.address()};
        child.start();
        auto c = l.accept(30s);
        const std::string message = "12345678";
        std::vector<double> us;
        us.reserve(static_cast<std::size_t>(n));
        for (int i = 0; i < warmup + n; ++i) {
            const auto t0 = bench::now_ns();
            c.send_bytes(message);
            if (c.recv_bytes() != message) throw std::runtime_error("wrong echo");
            const auto t1 = bench::now_ns();
            if (i >= warmup) us.push_back(static_cast<double>(t1 - t0) / 1e3);
        }
        c.send_bytes("");  // the child returns
        if (!child.join(10s)) {
            child.kill();
            child.join();
        }
        bench::emit({bench::median(us),
                     "us",
                     n,
                     "mpact::Listener/Client (tcp loopback, authkey) send_bytes/recv_bytes of 8 "
                     "bytes echoed by a child (forkserver); median round trip",
                     {{"p99", bench::percentile(us, 0.99)}}});
    });
}
