// C++ <-> Python over Listener/Client with an authkey: the wire form is Python's own
// multiprocessing.connection, so an unmodified Python program is the peer.
//   1. Python's Client connects to our Listener, we trade bytes.
//   2. Our Client connects to Python's Listener.
// Uses Debian's /usr/bin/python3 (any Python 3 with multiprocessing works).
#include <mpact/errors.hpp>
#include <mpact/listener.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

using namespace std::chrono_literals;

namespace {

pid_t python(const std::string& script, const std::string& arg) {
    pid_t pid = ::fork();
    if (pid == 0) {
        ::execl("/usr/bin/python3", "python3", "-c", script.c_str(), arg.c_str(), nullptr);
        ::_exit(127);
    }
    return pid;
}

bool ended_well(pid_t pid) {
    int status = 0;
    return ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

int main() {
    const std::string key = "shared secret";

    // 1. Our Listener, Python's Client.
    mpact::Listener listener{"", {.authkey = key}};
    pid_t client = python(R"(
import sys
from multiprocessing.connection import Client
with Client(sys.argv[1], authkey=b'shared secret') as c:
    c.send_bytes(b'hello from Python')
    print('Python got from C++:', c.recv_bytes(), flush=True)
)",
                          listener.address().substr(6));  // Python takes the bare path
    auto conn = listener.accept(20s);
    std::cout << "C++ got from Python: '" << conn.recv_bytes(20s) << "'" << std::endl;
    conn.send_bytes("hello from C++");
    if (!ended_well(client)) return 1;

    // 2. Python's Listener, our Client.
    const std::string path = "/tmp/mpact-example-" + std::to_string(::getpid());
    pid_t server = python(R"(
import sys
from multiprocessing.connection import Listener
with Listener(sys.argv[1], authkey=b'shared secret') as l:
    print('Python listening at', l.address, flush=True)
    with l.accept() as c:
        c.send_bytes(b'pong: ' + c.recv_bytes())
)",
                          path);
    mpact::Connection c;
    for (int i = 0; i < 2000 && c.closed(); ++i) {  // until Python has bound (at most ~20 s)
        try {
            c = mpact::Client(path, {.authkey = key});
        } catch (const mpact::OSError&) {
            std::this_thread::sleep_for(10ms);
        }
    }
    c.send_bytes("ping from C++");
    std::cout << "C++ got from Python: b'" << c.recv_bytes(20s) << "'" << std::endl;
    return ended_well(server) ? 0 : 1;
}
