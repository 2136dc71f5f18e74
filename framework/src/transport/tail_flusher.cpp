#include "transport/tail_flusher.hpp"

#include "transport/link.hpp"

#include <boost/asio/post.hpp>

namespace mpact::detail {

TailFlusher::TailFlusher(boost::asio::io_context& io) : io_(io), timer_(io) {}

void TailFlusher::watch(std::weak_ptr<Link> link) {
    bool start = false;
    {
        std::lock_guard lock(mutex_);
        links_.push_back(std::move(link));
        if (!armed_ && !cancelled_) {
            armed_ = true;
            start = true;
        }
    }
    if (start) boost::asio::post(io_, [this] { arm(); });
}

void TailFlusher::arm() {
    timer_.expires_after(Link::kMaxHold);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) tick();
    });
}

void TailFlusher::tick() {
    std::vector<std::weak_ptr<Link>> links;
    {
        std::lock_guard lock(mutex_);
        links.swap(links_);
    }
    std::vector<std::weak_ptr<Link>> busy;
    for (auto& weak : links) {
        auto link = weak.lock();
        // A link its owner is using right now gets another look at the next tick.
        if (link && !link->try_flush_tail()) busy.push_back(std::move(weak));
    }
    std::lock_guard lock(mutex_);
    links_.insert(links_.end(), busy.begin(), busy.end());
    if (links_.empty() || cancelled_) {
        armed_ = false;
    } else {
        arm();
    }
}

void TailFlusher::flush_all() noexcept {
    // A copy: the timer keeps its list, since a link's flush() sends its batch but not the
    // lane bytes an I/O thread's non-blocking write left (the next tick writes those; an
    // exiting thread that took them out of the list stalled a queue's Puts that way).
    std::vector<std::weak_ptr<Link>> links;
    try {
        std::lock_guard lock(mutex_);
        links = links_;
    } catch (...) {
        return;  // no memory for the copy: the timer still flushes them
    }
    for (auto& weak : links) {
        if (auto link = weak.lock()) link->flush();
    }
}

void TailFlusher::cancel() noexcept {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    try {
        timer_.cancel();
    } catch (...) {
    }
}

}  // namespace mpact::detail
