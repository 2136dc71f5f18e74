// actor_rtt_tcp — mpact: request/reply round trip to an actor of another program over
// tcp loopback, CURVE from a shared authkey (the path a remote host takes). The server is
// forked before this process touches mpact, so it is a program of its own (its own session,
// not a child of ours): it listens on tcp://127.0.0.1:0 and registers an Echo as "echo";
// this process finds it with whereis and asks it N times. Median and p99 in us.
#include <actor_rtt.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using bench_actor_rtt::Echo;  // the actor_rtt_ipc actor: Ping{i} -> i
using bench_actor_rtt::Ping;

const std::string kKey = "actor_rtt_tcp bench key";

}  // namespace

int main(int argc, char** argv) {
    return bench::run(argc, argv, [&](const bench::Options& opt) {
        using namespace std::chrono_literals;
        int address_pipe[2], stop_pipe[2];
        if (::pipe(address_pipe) != 0 || ::pipe(stop_pipe) != 0) {
            throw std::runtime_error("pipe failed");
        }
        bench::Child server([&] {
            ::close(stop_pipe[1]);
            mpact::init(argc, argv, {.listen = "tcp://127.0.0.1:0", .authkey = kKey});
            auto echo = mpact::spawn<Echo>();
            mpact::register_name("echo", echo);
            auto address = mpact::node_address() + "\n";
            if (::write(address_pipe[1], address.data(), address.size()) < 0) return 1;
            char c = 0;
            while (::read(stop_pipe[0], &c, 1) > 0) {  // EOF: the client is done
            }
            std::exit(0);  // exit handlers: the session directory goes too
        });
        ::close(address_pipe[1]);
        ::close(stop_pipe[0]);
        std::string address;
        char c = 0;
        while (::read(address_pipe[0], &c, 1) == 1 && c != '\n') address += c;
        ::close(address_pipe[0]);
        if (address.empty()) throw std::runtime_error("the server did not start");

        mpact::init(argc, argv, {.authkey = kKey});
        auto echo = mpact::whereis(address, "echo", 10s);
        if (!echo) throw std::runtime_error("no echo at " + address);
        const int n = opt.pick(20000, 2000);
        std::vector<double> us;
        for (int i = 0; i < n + 200; ++i) {
            const auto t0 = bench::now_ns();
            if (echo->request<int>(Ping{i}, 5s) != i) throw std::runtime_error("wrong reply");
            const auto t1 = bench::now_ns();
            if (i >= 200) us.push_back(static_cast<double>(t1 - t0) / 1e3);
        }
        ::close(stop_pipe[1]);
        server.join();
        bench::emit({bench::median(us),
                     "us",
                     n,
                     "ActorRef::request to an actor of another program over tcp://127.0.0.1, "
                     "CURVE (keys from the authkey), found by whereis",
                     {{"p99", bench::percentile(us, 0.99)}}});
    });
}
