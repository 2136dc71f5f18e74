// Interop with Python's own multiprocessing.connection (Debian's /usr/bin/python3, 3.11: the
// legacy HMAC-MD5 handshake answered by our {sha256} challenge, and its 20-byte challenge
// answered by us): a Python Client talks to our Listener, our Client to a Python Listener.
#include <mpact/errors.hpp>
#include <mpact/listener.hpp>

#include "support/support.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <string>

using namespace std::chrono_literals;

namespace {

constexpr const char* python = "/usr/bin/python3";

// Starts `python -c script args...`; returns its pid.
pid_t run_python(const std::string& script, const std::vector<std::string>& args) {
    std::vector<std::string> argv{python, "-c", script};
    argv.insert(argv.end(), args.begin(), args.end());
    return mpact::test::start_program(argv);
}

int exit_code(pid_t pid) {
    int status = mpact::test::wait_child(pid, std::chrono::seconds(30));
    return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Python 3.11's Client: sends, receives, echoes back what it got, reversed.
const char* python_client = R"(
import sys
from multiprocessing.connection import Client
kind, where, key = sys.argv[1], sys.argv[2], sys.argv[3].encode()
address = where if kind == 'unix' else ('127.0.0.1', int(where))
try:
    c = Client(address, authkey=key)
except Exception as e:
    print(type(e).__name__, e); sys.exit(3)
c.send_bytes(b'hello from python')
got = c.recv_bytes()
c.send_bytes(got[::-1])
c.close()
)";

// Python 3.11's Listener: accepts one client, echoes one message upper-cased.
const char* python_listener = R"(
import sys
from multiprocessing.connection import Listener
key = sys.argv[2].encode()
with Listener(sys.argv[1], authkey=key) as l:
    print('ready', flush=True)
    try:
        with l.accept() as c:
            c.send_bytes(c.recv_bytes().upper())
    except Exception as e:
        print(type(e).__name__, e, flush=True); sys.exit(3)
)";

}  // namespace

TEST_CASE("a Python Client connects to our Listener with an authkey, over AF_UNIX and TCP" *
          doctest::timeout(60)) {
    for (bool tcp : {false, true}) {
        mpact::Listener l{tcp ? "tcp://127.0.0.1:0" : "", {.authkey = std::string("py secret")}};
        auto where = l.address().substr(l.address().rfind(tcp ? ':' : '/') + (tcp ? 1 : 0));
        if (!tcp) where = l.address().substr(6);
        pid_t pid = run_python(python_client, {tcp ? "tcp" : "unix", where, "py secret"});
        mpact::test::ChildGuard guard(pid);
        auto c = l.accept(20s);
        CHECK(c.recv_bytes(20s) == "hello from python");
        c.send_bytes(std::string("abc\x00xyz", 7));
        CHECK(c.recv_bytes(20s) == std::string("zyx\x00"
                                               "cba",
                                               7));
        CHECK(exit_code(pid) == 0);
        guard.release(pid);
    }
}

TEST_CASE("a Python Client with the wrong key is refused on both sides" * doctest::timeout(60)) {
    mpact::Listener l{"", {.authkey = std::string("right")}};
    pid_t pid = run_python(python_client, {"unix", l.address().substr(6), "wrong"});
    mpact::test::ChildGuard guard(pid);
    CHECK_THROWS_AS(static_cast<void>(l.accept(20s)), mpact::AuthenticationError);
    CHECK(exit_code(pid) == 3);  // Python raised AuthenticationError in Client()
    guard.release(pid);
}

TEST_CASE("our Client connects to a Python Listener, a wrong key is AuthenticationError" *
          doctest::timeout(60)) {
    auto path = "/tmp/mpact-py-listener-" + std::to_string(::getpid());
    pid_t pid = run_python(python_listener, {path, "k"});
    mpact::test::ChildGuard guard(pid);
    // Wait for the socket to exist (the Python listener printed 'ready' by then).
    REQUIRE(mpact::test::eventually([&] { return ::access(path.c_str(), F_OK) == 0; }, 20s));
    CHECK_THROWS_AS(static_cast<void>(mpact::Client(path, {.authkey = std::string("nope")})),
                    mpact::AuthenticationError);
    CHECK(exit_code(pid) == 3);
    guard.release(pid);

    pid = run_python(python_listener, {path, "k"});
    guard.add(pid);
    REQUIRE(mpact::test::eventually([&] { return ::access(path.c_str(), F_OK) == 0; }, 20s));
    auto c = mpact::Client("ipc://" + path, {.authkey = std::string("k"), .timeout = 20s});
    c.send_bytes("shout");
    CHECK(c.recv_bytes(20s) == "SHOUT");
    CHECK(exit_code(pid) == 0);
    guard.release(pid);
}
