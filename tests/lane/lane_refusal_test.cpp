// The lane refuses what it must (docs/architecture.md, "Lanes"): garbage, another user,
// another network namespace, a node short of descriptors; and without one, ZeroMQ carries on.
#include <mpact/actor.hpp>
#include <mpact/errors.hpp>
#include <mpact/node.hpp>
#include <mpact/pool.hpp>
#include <mpact/process.hpp>
#include <mpact/queue.hpp>
#include <mpact/supervisor.hpp>
#include <mpact/task.hpp>

#include "lane_messages.hpp"
#include "lane_service.hpp"
#include "support/support.hpp"
#include "transport/descriptor_budget.hpp"
#include "transport/lane.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <linux/securebits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {
using lane_messages::Echo;
using lane_messages::until_lane;
using namespace lane_service;
}  // namespace

TEST_CASE("garbage written into a lane is dropped and counted, and the node serves on" *
          doctest::timeout(60)) {
    pid_t pid = start_service_child();
    mpact::test::ChildGuard guard(pid);
    mpact::ActorRef svc(mpact::node_endpoint(pid), "svc");
    REQUIRE(svc.wait_ready(20s));
    auto stats = [&] { return svc.request<std::vector<std::uint64_t>>(Stats{}, 10s); };
    auto base = stats();

    // A bad hello: refused.
    int fd = raw_lane(pid, false);
    REQUIRE(fd >= 0);
    std::string junk(mpact::detail::kLaneHelloSize, 'x');
    REQUIRE(::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL) > 0);
    CHECK(await_ack(fd) == 0);
    ::close(fd);
    CHECK(mpact::test::eventually([&] { return stats()[kRefused] == base[kRefused] + 1; }));

    // A good hello, a frame whose header is not an envelope (counted, the lane stays), an
    // oversized frame (skipped as it arrives), then bytes that are no frame (the lane goes).
    fd = raw_lane(pid, true);
    REQUIRE(fd >= 0);
    CHECK(await_ack(fd) == mpact::detail::kLaneAccept);
    std::string frame = mpact::detail::lane_prefix(3, 2) + "abc" + "de";
    REQUIRE(::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL) > 0);
    CHECK(mpact::test::eventually([&] { return stats()[kMalformed] == base[kMalformed] + 2; }));
    std::string big = mpact::detail::lane_prefix(0, std::uint64_t{1} << 40);
    REQUIRE(::send(fd, big.data(), big.size(), MSG_NOSIGNAL) > 0);
    CHECK(mpact::test::eventually([&] { return stats()[kOversized] == base[kOversized] + 1; }));
    ::close(fd);
    fd = raw_lane(pid, true);
    CHECK(await_ack(fd) == mpact::detail::kLaneAccept);
    std::string noise(100, '\x7f');
    REQUIRE(::send(fd, noise.data(), noise.size(), MSG_NOSIGNAL) > 0);
    CHECK(mpact::test::eventually([&] { return stats()[kMalformed] == base[kMalformed] + 3; }));
    pollfd p{fd, POLLIN, 0};
    CHECK(::poll(&p, 1, 5000) == 1);  // the node closed that lane
    ::close(fd);

    for (int i = 0; i < 50; ++i) CHECK(svc.request<int>(Echo{i}, 10s) == i + 1);
}

TEST_CASE("without a lane, or with the lane refused, requests go through ZeroMQ" *
          doctest::timeout(60)) {
    SUBCASE("the peer has lanes off") {
        pid_t pid = start_service_child(false);
        mpact::test::ChildGuard guard(pid);
        mpact::ActorRef svc(mpact::node_endpoint(pid), "svc");
        REQUIRE(svc.wait_ready(20s));
        auto before = mpact::node_stats();
        std::thread([&] {
            for (int i = 0; i < 100; ++i) CHECK(svc.request<int>(Echo{i}, 10s) == i + 1);
        }).join();
        auto after = mpact::node_stats();
        CHECK(after.lanes_opened == before.lanes_opened);
        CHECK(after.lane_sent == before.lane_sent);
        CHECK(after.zmq_sent >= before.zmq_sent + 100);
    }
    SUBCASE("the lane's socket is gone") {
        pid_t pid = start_service_child();
        mpact::test::ChildGuard guard(pid);
        mpact::ActorRef svc(mpact::node_endpoint(pid), "svc");
        REQUIRE(svc.wait_ready(20s));
        ::unlink(mpact::detail::lane_path(svc.endpoint()).c_str());
        auto before = mpact::node_stats();
        std::thread([&] {
            for (int i = 0; i < 100; ++i) CHECK(svc.request<int>(Echo{i}, 10s) == i + 1);
        }).join();
        CHECK(mpact::node_stats().lanes_opened == before.lanes_opened);
    }
}

TEST_CASE("a process of another user cannot open a lane" * doctest::timeout(60)) {
    if (::geteuid() != 0) {
        MESSAGE("needs root to act as another user");
        return;
    }
    auto svc = mpact::spawn<Service>();
    static_cast<void>(svc);
    const pid_t parent = ::getpid();
    auto before = mpact::node_stats();
    // As uid 65534 for everything but file access (so the 0700 directory lets it reach the
    // socket): the node itself must refuse it by its credentials.
    pid_t pid = mpact::test::fork_child([parent] {
        if (::prctl(PR_SET_SECUREBITS, SECBIT_NO_SETUID_FIXUP) != 0) return 3;
        if (::seteuid(65534) != 0) return 3;
        ::setfsuid(0);
        int fd = raw_lane(parent, true);
        if (fd < 0) return 2;
        return await_ack(fd) == 0 ? 0 : 1;
    });
    mpact::test::ChildGuard guard(pid);
    int status = mpact::test::wait_child(pid);
    guard.release(pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(mpact::node_stats().lanes_refused == before.lanes_refused + 1);
    // Without the file-access trick, the session directory alone keeps it out.
    pid = mpact::test::fork_child([parent] {
        if (::setresuid(65534, 65534, 65534) != 0) return 3;
        return raw_lane(parent, false) < 0 ? 0 : 1;
    });
    guard.add(pid);
    status = mpact::test::wait_child(pid);
    guard.release(pid);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

// A network namespace made with `ip netns add`, deleted at scope exit; empty name if it
// could not be made (not root, no ip).
struct ScratchNetns {
    std::string name = "mpact-lane-" + std::to_string(::getpid());
    bool made = std::system(("ip netns add " + name + " >/dev/null 2>&1").c_str()) == 0;
    ~ScratchNetns() {
        if (made) static_cast<void>(std::system(("ip netns del " + name).c_str()));
    }
};

TEST_CASE("processes in different network namespaces never get a lane" * doctest::timeout(60)) {
    if (::geteuid() != 0) {
        MESSAGE("skipped: needs root for `ip netns add`");
        return;
    }
    ScratchNetns netns;
    if (!netns.made) {
        MESSAGE("skipped: `ip netns add` failed (no ip, or namespaces not allowed here)");
        return;
    }
    auto svc = mpact::spawn<Service>();
    const pid_t parent = ::getpid();
    auto before = mpact::node_stats();
    // A child moved into the scratch namespace talks to this process's actor, knocks on this
    // node's lane itself (the listener must refuse it: a path socket is reachable from any
    // namespace), and serves its own actor.
    pid_t pid = mpact::test::fork_child([svc, parent, path = "/run/netns/" + netns.name] {
        int ns = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) return 3;
        ::close(ns);
        for (int i = 0; i < 50; ++i) {
            if (svc.request<int>(Echo{i}, 10s) != i + 1) return 4;
        }
        int fd = raw_lane(parent, true);
        if (fd < 0 || await_ack(fd) != 0) return 5;
        ::close(fd);
        auto s = mpact::node_stats();
        if (s.lanes_opened != 0 || s.lane_sent != 0) return 1;
        mpact::serve<Service>("svc");
        return 0;
    });
    mpact::test::ChildGuard guard(pid);
    mpact::ActorRef theirs(mpact::node_endpoint(pid), "svc");
    REQUIRE(theirs.wait_ready(20s));
    std::thread([&] {
        for (int i = 0; i < 50; ++i) CHECK(theirs.request<int>(Echo{i}, 10s) == i + 1);
    }).join();
    auto after = mpact::node_stats();
    CHECK(after.lanes_opened == before.lanes_opened);
    CHECK(after.lanes_accepted == before.lanes_accepted);
    CHECK(after.lane_received == before.lane_received);
    CHECK(after.lanes_refused == before.lanes_refused + 1);  // the child's raw knock
    auto child = theirs.request<std::vector<std::uint64_t>>(Stats{}, 10s);
    CHECK(child[kLaneReceived] == 0);
    CHECK(child[kAccepted] == 0);
}

TEST_CASE("a lane is not opened when it would take a descriptor from the reserve" *
          doctest::timeout(60)) {
    auto svc = mpact::spawn<Service>();
    const pid_t parent = ::getpid();
    pid_t pid = mpact::test::fork_child([parent] {
        static_cast<void>(mpact::node_stats());  // this child's node first: its descriptors
        auto endpoint = mpact::node_endpoint(parent);
        rlimit saved{};
        ::getrlimit(RLIMIT_NOFILE, &saved);
        rlimit low = saved;
        // Room for the lane itself, not for the reserve kept for libzmq's accepts.
        low.rlim_cur = static_cast<rlim_t>(mpact::detail::open_descriptors() + 4);
        if (::setrlimit(RLIMIT_NOFILE, &low) != 0) return 3;
        const auto open_before = mpact::detail::open_descriptors();
        if (mpact::detail::lane_connect(endpoint, parent) != -1) return 1;
        if (mpact::detail::open_descriptors() != open_before) return 2;  // nothing leaked
        if (mpact::node_stats().lanes_no_descriptors != 1) return 4;
        if (::setrlimit(RLIMIT_NOFILE, &saved) != 0) return 3;
        int fd = mpact::detail::lane_connect(endpoint, parent);
        if (fd < 0) return 5;
        ::close(fd);
        return 0;
    });
    mpact::test::ChildGuard guard(pid);
    int status = mpact::test::wait_child(pid);
    guard.release(pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("a node short of descriptors refuses lanes, counts them and serves on" *
          doctest::timeout(60)) {
    pid_t pid = start_service_child();
    mpact::test::ChildGuard guard(pid);
    mpact::ActorRef svc(mpact::node_endpoint(pid), "svc");
    REQUIRE(svc.wait_ready(20s));
    // This thread's link moves to its lane; while the service is squeezed nothing opens a
    // new ZeroMQ connection to it (libzmq would abort on EMFILE: that is the reserve's job).
    for (int i = 0; i < 5; ++i) CHECK(svc.request<int>(Echo{i}, 10s) == i + 1);
    auto stats = [&] { return svc.request<std::vector<std::uint64_t>>(Stats{}, 10s); };
    auto base = stats();

    // Below the reserve: accepted, then refused (closed) by the budget.
    REQUIRE(svc.request<bool>(Squeeze{8}, 10s));
    int fd = raw_lane(pid, true);
    REQUIRE(fd >= 0);
    CHECK(await_ack(fd) == 0);
    ::close(fd);
    CHECK(mpact::test::eventually(
        [&] { return stats()[kNoDescriptors] == base[kNoDescriptors] + 1; }));

    // No descriptor at all: accept() fails with EMFILE; the spare makes room to refuse it.
    REQUIRE(svc.request<bool>(Squeeze{0}, 10s));
    fd = raw_lane(pid, true);
    REQUIRE(fd >= 0);
    CHECK(await_ack(fd) == 0);
    ::close(fd);
    CHECK(mpact::test::eventually(
        [&] { return stats()[kNoDescriptors] == base[kNoDescriptors] + 2; }));
    auto squeezed = stats();
    CHECK(squeezed[kRefused] == base[kRefused] + 2);
    CHECK(squeezed[kAccepted] == base[kAccepted]);

    REQUIRE(svc.request<bool>(Relax{}, 10s));
    // Room again: a fresh thread's link opens a lane and is served.
    auto before = mpact::node_stats();
    std::thread([&] {
        CHECK(until_lane([&](int i) { CHECK(svc.request<int>(Echo{i}, 10s) == i + 1); }));
    }).join();
    CHECK(mpact::node_stats().lanes_opened == before.lanes_opened + 1);
}
