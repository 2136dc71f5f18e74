#include "supervisor_actor.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace mpact::detail {

using namespace supervisor_protocol;

namespace {
std::pair<std::string, std::string> key(const ActorRef& ref) { return {ref.endpoint(), ref.name()}; }
std::pair<std::string, std::string> key(const Down& d) { return {d.endpoint, d.name}; }
}  // namespace

SupervisorActor::SupervisorActor(SupervisorOptions options, std::vector<ChildSpec> specs)
    : options_(std::move(options)), specs_(std::move(specs)), refs_(specs_.size()) {
    handle([this](const WhichChildren&) { return refs_; });
    handle([this](const CountRestarts&) { return total_restarts_; });
    handle([this](const Restart& r) {
        if (r.generation != generation_ || shutting_down_) return;
        for (auto index : r.children) start_child(index);
    });
}

void SupervisorActor::on_start() {
    for (std::size_t i = 0; i < specs_.size(); ++i) start_child(i);
}

void SupervisorActor::start_child(std::size_t index) {
    refs_[index] = specs_[index].start();
    monitor(refs_[index]);
}

bool SupervisorActor::over_intensity() {
    auto now = Clock::now();
    restarts_.push_back(now);
    while (!restarts_.empty() && now - restarts_.front() > options_.period) restarts_.pop_front();
    return static_cast<int>(restarts_.size()) > options_.intensity;
}

void SupervisorActor::on_down(const Down& down) {
    if (shutting_down_) return;
    if (expected_.erase(key(down)) != 0) return;
    std::size_t index = refs_.size();
    for (std::size_t i = 0; i < refs_.size(); ++i) {
        if (key(refs_[i]) == key(down)) index = i;
    }
    if (index == refs_.size()) return;  // an old incarnation
    if (over_intensity()) {
        shutting_down_ = true;
        std::vector<std::uint32_t> all;
        for (std::size_t i = 0; i < refs_.size(); ++i) {
            if (i != index) all.push_back(static_cast<std::uint32_t>(i));
        }
        stop_then_restart(std::move(all), false);
        stop("shutdown: reached max restart intensity");
        return;
    }
    ++total_restarts_;
    std::vector<std::uint32_t> others;
    switch (options_.strategy) {
        case RestartStrategy::one_for_one:
            start_child(index);
            return;
        case RestartStrategy::one_for_all:
            for (std::size_t i = 0; i < refs_.size(); ++i) {
                if (i != index) others.push_back(static_cast<std::uint32_t>(i));
            }
            break;
        case RestartStrategy::rest_for_one:
            for (std::size_t i = index + 1; i < refs_.size(); ++i) {
                others.push_back(static_cast<std::uint32_t>(i));
            }
            break;
    }
    if (others.empty()) {
        start_child(index);
        return;
    }
    // The failed child restarts with the others, in start order, once they are stopped.
    others.push_back(static_cast<std::uint32_t>(index));
    std::sort(others.begin(), others.end());
    stop_then_restart(std::move(others), true);
}

void SupervisorActor::stop_then_restart(std::vector<std::uint32_t> indices, bool restart) {
    std::vector<ActorRef> to_stop;
    for (auto i : indices) {
        expected_.insert(key(refs_[i]));
        to_stop.push_back(refs_[i]);
    }
    auto generation = ++generation_;
    auto self_ref = self();
    std::thread([to_stop = std::move(to_stop), indices = std::move(indices), generation,
                 self_ref, restart] {
        for (auto it = to_stop.rbegin(); it != to_stop.rend(); ++it) {  // reverse start order
            try {
                static_cast<void>(it->stop(std::chrono::seconds(2)));
            } catch (...) {
            }
        }
        if (restart) {
            try {
                self_ref.send(Restart{generation, indices});
            } catch (...) {
            }
        }
    }).detach();
}

void SupervisorActor::on_stop(const std::string& /*reason*/) {
    if (shutting_down_) return;
    shutting_down_ = true;
    std::vector<std::uint32_t> all;
    for (std::size_t i = 0; i < refs_.size(); ++i) all.push_back(static_cast<std::uint32_t>(i));
    stop_then_restart(std::move(all), false);
}

}  // namespace mpact::detail
