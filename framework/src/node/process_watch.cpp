#include "node/process_watch.hpp"

#include <mpact/internal/pidfd.hpp>

#include <boost/asio/post.hpp>

namespace mpact::detail {

void ProcessWatch::watch(pid_t pid, std::function<void()> on_exit) {
    if (auto it = entries_.find(pid); it != entries_.end()) {
        it->second->callbacks.push_back(std::move(on_exit));
        return;
    }
    int fd = open_pidfd(pid);
    if (fd < 0) {  // already gone
        boost::asio::post(io_, std::move(on_exit));
        return;
    }
    auto entry = std::make_unique<Entry>(io_);
    entry->pidfd.assign(fd);
    entry->callbacks.push_back(std::move(on_exit));
    entry->pidfd.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                            [this, pid](const boost::system::error_code& ec) {
                                if (!ec) fire(pid);
                            });
    entries_.emplace(pid, std::move(entry));
}

void ProcessWatch::fire(pid_t pid) {
    auto it = entries_.find(pid);
    if (it == entries_.end()) return;
    auto callbacks = std::move(it->second->callbacks);
    entries_.erase(it);
    for (auto& callback : callbacks) callback();
}

}  // namespace mpact::detail
