#pragma once
// The lane tests' service (a child's actor that echoes, keeps notes and ticks, parks
// requests, reports its node's lane counters and can squeeze its descriptor limit), and
// raw connections to a node's lane. White-box: transport/lane.hpp.
#include <mpact/actor.hpp>
#include <mpact/node.hpp>

#include "lane_messages.hpp"
#include "support/support.hpp"
#include "transport/descriptor_budget.hpp"
#include "transport/lane.hpp"

#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace lane_service {

using lane_messages::Echo;
using lane_messages::Note;
using lane_messages::Notes;
struct Tick {
    MSGPACK_DEFINE()
};
struct Ticks {
    MSGPACK_DEFINE()
};
struct Hang {
    MSGPACK_DEFINE()
};
struct Parked {
    MSGPACK_DEFINE()
};
struct Stats {
    MSGPACK_DEFINE()
};
// Lowers this process's soft descriptor limit to what is open now + `spare` (Relax: back).
struct Squeeze {
    int spare = 0;
    MSGPACK_DEFINE(spare)
};
struct Relax {
    MSGPACK_DEFINE()
};
struct Report {
    std::uint64_t lanes_opened = 0, lane_sent = 0;
    MSGPACK_DEFINE(lanes_opened, lane_sent)
};
struct Reports {
    MSGPACK_DEFINE()
};

struct Service : mpact::Actor {
    std::vector<int> notes;
    long ticks = 0;
    std::vector<mpact::Reply<int>> parked;
    std::vector<Report> reports;
    std::optional<rlimit> saved;
    Service() {
        handle([](const Echo& e) { return e.n + 1; });
        handle([this](const Note& n) { notes.push_back(n.n); });
        handle([this](const Notes&) { return notes; });
        handle([this](const Tick&) { ++ticks; });
        handle([this](const Ticks&) { return ticks; });
        handle(
            [this](const Hang&, mpact::Reply<int> reply) { parked.push_back(std::move(reply)); });
        handle([this](const Parked&) { return static_cast<int>(parked.size()); });
        handle([this](const Report& r) { reports.push_back(r); });
        handle([this](const Reports&) {
            std::vector<std::uint64_t> out;
            for (auto& r : reports) {
                out.push_back(r.lanes_opened);
                out.push_back(r.lane_sent);
            }
            return out;
        });
        handle([](const Stats&) {
            auto s = mpact::node_stats();
            return std::vector<std::uint64_t>{
                s.malformed,     s.oversized,    s.lane_received,       s.lanes_accepted,
                s.lanes_refused, s.lanes_closed, s.lanes_no_descriptors};
        });
        handle([this](const Squeeze& q) {
            if (!saved) {
                saved = rlimit{};
                ::getrlimit(RLIMIT_NOFILE, &*saved);
            }
            rlimit low = *saved;
            low.rlim_cur = static_cast<rlim_t>(mpact::detail::open_descriptors() + q.spare);
            return ::setrlimit(RLIMIT_NOFILE, &low) == 0;
        });
        handle([this](const Relax&) { return saved && ::setrlimit(RLIMIT_NOFILE, &*saved) == 0; });
    }
};
enum StatField {
    kMalformed,
    kOversized,
    kLaneReceived,
    kAccepted,
    kRefused,
    kClosed,
    kNoDescriptors
};

inline pid_t start_service_child(bool lanes = true) {
    return mpact::test::fork_child([lanes] {
        if (!lanes) mpact::detail::set_lanes_enabled(false);
        mpact::serve<Service>("svc");
        return 0;
    });
}

// A raw connection to the lane of process `pid`, hello sent or not.
inline int raw_lane(pid_t pid, bool hello) {
    auto path = mpact::detail::lane_path(mpact::node_endpoint(pid));
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        ::close(fd);
        return -1;
    }
    if (hello) {
        // A send that fails (the node closed the lane at once) shows in the answer.
        auto h = mpact::detail::lane_hello();
        static_cast<void>(::send(fd, h.data(), h.size(), MSG_NOSIGNAL));
    }
    return fd;
}

// Waits (5 s at most) for the peer's answer to a hello: 'K', or 0 when it closed the lane.
inline char await_ack(int fd) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return '?';
    char c = 0;
    return ::recv(fd, &c, 1, 0) == 1 ? c : 0;
}

}  // namespace lane_service
