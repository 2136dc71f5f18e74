// mpact::RestartPolicy: restart types, strategies and the intensity window.
#include <mpact/restart_policy.hpp>

namespace mpact {

bool RestartPolicy::restarts(ChildRestart type, std::string_view reason) noexcept {
    switch (type) {
        case ChildRestart::permanent:
            return true;
        case ChildRestart::transient:
            return reason != "normal" && reason != "stopped" && reason != "shutdown";
        case ChildRestart::temporary:
            return false;
    }
    return false;
}

bool RestartPolicy::exceeded_by_restart(Clock::time_point now) {
    recent_.push_back(now);
    while (!recent_.empty() && now - recent_.front() > options_.period) recent_.pop_front();
    return static_cast<int>(recent_.size()) > options_.intensity;
}

std::vector<std::size_t> RestartPolicy::affected(std::size_t index, std::size_t count) const {
    std::vector<std::size_t> out;
    switch (options_.strategy) {
        case RestartStrategy::one_for_one:
            out.push_back(index);
            break;
        case RestartStrategy::one_for_all:
            for (std::size_t i = 0; i < count; ++i) out.push_back(i);
            break;
        case RestartStrategy::rest_for_one:
            for (std::size_t i = index; i < count; ++i) out.push_back(i);
            break;
    }
    return out;
}

}  // namespace mpact
