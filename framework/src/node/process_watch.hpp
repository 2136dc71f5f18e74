#pragma once
// ProcessWatch: callbacks for "process N ended", for any local process (children or not),
// driven by pidfds on the I/O thread's io_context.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <sys/types.h>

#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace mpact::detail {

class ProcessWatch {
  public:
    explicit ProcessWatch(boost::asio::io_context& io) : io_(io) {}
    // Runs `on_exit` on the I/O thread once `pid` has ended (soon, if it already has).
    void watch(pid_t pid, std::function<void()> on_exit);

  private:
    struct Entry {
        boost::asio::posix::stream_descriptor pidfd;
        std::vector<std::function<void()>> callbacks;
        explicit Entry(boost::asio::io_context& io) : pidfd(io) {}
    };
    void fire(pid_t pid);

    boost::asio::io_context& io_;
    std::unordered_map<pid_t, std::unique_ptr<Entry>> entries_;
};

}  // namespace mpact::detail
