// A parent for the integration tests: starts a daemon and a non-daemon child, writes their
// pids to the file named in argv[2], then exits normally ("exit") or waits to be killed
// ("wait"). The non-daemon child exits by itself after argv[3] milliseconds.
#include <mpact/node.hpp>
#include <mpact/process.hpp>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

namespace {
void nap(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}
}  // namespace
MPACT_TASK(nap);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    if (argc < 4) return 2;
    std::string mode = argv[1];
    int nondaemon_ms = std::stoi(argv[3]);
    mpact::Process daemon_child({.daemon = true}, nap, 600000);
    mpact::Process plain_child({.daemon = false}, nap, nondaemon_ms);
    mpact::Process forked_child({.daemon = true, .start_method = mpact::StartMethod::fork}, nap,
                                600000);
    daemon_child.start();
    plain_child.start();
    forked_child.start();
    {
        std::ofstream out(std::string(argv[2]) + ".tmp");
        out << *daemon_child.pid() << ' ' << *plain_child.pid() << ' ' << *forked_child.pid()
            << '\n';
    }
    std::rename((std::string(argv[2]) + ".tmp").c_str(), argv[2]);
    if (mode == "wait") nap(600000);
    return 0;  // at exit: daemons terminated, the plain child joined
}
