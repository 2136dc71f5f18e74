#pragma once
// LaneListener: the node's side of its fast lanes (transport/lane.hpp). It listens at the
// mailbox path + ".lane", admits only peers of this user, boot and network namespace
// (SO_PEERCRED, the hello, /proc/<pid>/ns/net), reads each lane's frames on the I/O thread
// and hands them to the node exactly as the mailbox does, with a routing identity naming
// the lane, so replies go back on the lane the request came by. Writes never block the I/O
// thread: what does not fit waits in the lane's buffer for the socket to take it. Every
// descriptor it takes goes through the descriptor budget (transport/descriptor_budget.hpp):
// a lane it has no room for is refused, and its peer stays on ZeroMQ.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace mpact::detail {

class Node;

class LaneListener {
  public:
    LaneListener(Node& node, const std::string& endpoint);
    ~LaneListener();
    LaneListener(const LaneListener&) = delete;
    LaneListener& operator=(const LaneListener&) = delete;

    // Starts accepting (I/O thread). Does nothing when the lane could not be bound.
    void start();
    // Closes the listener and every lane (I/O thread).
    void close() noexcept;
    // True for a routing identity made by a lane (no ZeroMQ identity looks like one).
    static bool is_lane_identity(std::string_view identity) noexcept;
    // Sends on the lane `identity` names; dropped if it has closed. I/O thread.
    void send(std::string_view identity, const std::string& header, std::string payload);

  private:
    struct Lane;
    void arm_accept();
    void accept_ready();
    void pause_accepting();
    void admit(int fd);
    void arm_read(const std::shared_ptr<Lane>& lane);
    void read_ready(const std::shared_ptr<Lane>& lane);
    void arm_write(const std::shared_ptr<Lane>& lane);
    void drop(const std::shared_ptr<Lane>& lane) noexcept;

    Node& node_;
    std::string path_;
    int fd_ = -1;
    int spare_ = -1;  // kept open so a lane can be refused when no descriptor is left
    std::unique_ptr<boost::asio::steady_timer> pause_;
    std::unique_ptr<boost::asio::posix::stream_descriptor> acceptor_;
    std::map<std::uint64_t, std::shared_ptr<Lane>> lanes_;
    std::uint64_t next_id_ = 0;
    bool closed_ = false;
};

}  // namespace mpact::detail
