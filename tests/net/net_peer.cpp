// A program the net tests start by exec, with its own environment (MPACT_LISTEN,
// MPACT_AUTHKEY_FILE...) and so its own session: a separately started program, not a child
// of the test's. Modes:
//   serve            register an Echoer as "echo", print "address <node_address()>", then
//                    answer each "stats" line on stdin; exit at EOF
//   client <address> whereis "echo" there and ask it once; print "reply <text>"
//   init             mpact::init only; print "address <node_address()>"
// Exit codes: 0 done, 3 timed out, 4 an mpact error (printed "error <kind>: <message>"),
// 5 no actor by that name, 2 usage.
#include <mpact/names.hpp>
#include <mpact/node.hpp>

#include "net_messages.hpp"

#include <cstdio>
#include <iostream>
#include <string>

using namespace std::chrono_literals;

namespace {

int serve() {
    auto echo = mpact::spawn<net_test::Echoer>();
    mpact::register_name("echo", echo);
    std::cout << "address " << mpact::node_address() << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line == "stats") {
            auto s = mpact::node_stats();
            std::cout << "stats refused_auth=" << s.refused_auth << " received=" << s.received
                      << " delivered=" << s.delivered << " echoed=" << net_test::g_echoed.load()
                      << std::endl;
        }
    }
    return 0;
}

int client(const std::string& address) {
    auto echo = mpact::whereis(address, "echo", 5s);
    if (!echo) {
        std::cout << "no echo" << std::endl;
        return 5;
    }
    std::cout << "found " << echo->endpoint() << " " << echo->name() << std::endl;
    auto text = echo->request<std::string>(net_test::Echo{"over tcp"}, 5s);
    std::cout << "reply " << text << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    const std::string mode = argv[1];
    try {
        mpact::init(argc, argv);
        if (mode == "serve") return serve();
        if (mode == "client" && argc == 3) return client(argv[2]);
        if (mode == "init") {
            std::cout << "address " << mpact::node_address() << std::endl;
            return 0;
        }
        return 2;
    } catch (const mpact::TimeoutError& e) {
        std::cout << "timeout " << e.what() << std::endl;
        return 3;
    } catch (const mpact::Error& e) {
        std::cout << "error " << e.kind() << ": " << e.what() << std::endl;
        return 4;
    }
}
