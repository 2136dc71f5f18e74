#pragma once
// The pool's result thread: runs callbacks one at a time, in the order they were posted, so
// a user's callback never runs on the node's I/O thread.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace mpact::detail {

class ResultThread {
  public:
    ResultThread();
    ResultThread(const ResultThread&) = delete;
    ResultThread& operator=(const ResultThread&) = delete;
    ~ResultThread();
    void post(std::function<void()> fn);
    /// Runs what was posted, then ends the thread. Idempotent.
    void stop();

  private:
    void run();
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::function<void()>> jobs_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace mpact::detail
