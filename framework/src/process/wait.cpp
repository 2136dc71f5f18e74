#include <mpact/wait.hpp>

#include <poll.h>

#include <cerrno>

namespace mpact {

std::vector<Sentinel> wait(const std::vector<Sentinel>& objects, std::optional<Duration> timeout) {
    std::vector<pollfd> fds;
    for (const auto& s : objects) fds.push_back(pollfd{s.fd, POLLIN, 0});
    auto deadline = maybe_deadline_after(timeout);
    while (true) {
        int ms = -1;
        if (deadline) {
            ms = static_cast<int>(
                std::chrono::ceil<std::chrono::milliseconds>(remaining(*deadline)).count());
        }
        int r = ::poll(fds.data(), fds.size(), ms);
        if (r < 0 && errno == EINTR) continue;
        std::vector<Sentinel> ready;
        if (r > 0) {
            for (std::size_t i = 0; i < fds.size(); ++i) {
                if (fds[i].revents != 0) ready.push_back(objects[i]);
            }
        }
        return ready;
    }
}

}  // namespace mpact
