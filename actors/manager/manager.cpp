// The Manager's own process and the proxies' one round trip (or one-way message) per
// operation.
#include <mpact/actor_process.hpp>
#include <mpact/errors.hpp>
#include <mpact/internal/this_pid.hpp>
#include <mpact/manager.hpp>
#include <mpact/manager_register.hpp>

#include "manager_actor.hpp"
#include "registry.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <map>
#include <mutex>

namespace mpact {

MPACT_ACTOR(detail::mgr::ManagerActor);

namespace detail::mgr {

namespace {
// A manager's operations never park: this bounds only a manager that is stopped or far
// behind. A dead one is seen at once, by its process, not by this.
constexpr auto kCallTimeout = std::chrono::seconds(30);
}  // namespace
constexpr auto kBatchTimeout = kCallTimeout;
namespace {

std::pair<std::int32_t, std::int64_t> this_thread() noexcept {
    thread_local pid_t pid = 0;
    thread_local std::int64_t tid = 0;
    if (pid != this_pid()) {  // after a fork the thread is the child's main thread
        pid = this_pid();
        tid = static_cast<std::int64_t>(::syscall(SYS_gettid));
    }
    return {pid, tid};
}

std::mutex& registry_mutex() {
    static std::mutex m;
    return m;
}
std::map<std::string, Factory>& registry() {
    static std::map<std::string, Factory> r;
    return r;
}
}  // namespace

void stamp(Op& op) noexcept {
    auto [pid, tid] = this_thread();
    op.pid = pid;
    op.tid = tid;
}

Op Core::op(Code code, std::vector<std::string> args) const {
    Op o;
    o.object = id_;
    o.code = static_cast<std::uint8_t>(code);
    o.args = std::move(args);
    stamp(o);
    return o;
}

Out Core::call(Code code, std::vector<std::string> args) const {
    if (!manager_.valid()) throw ValueError("use of an empty manager proxy");
    return manager_.request<Out>(Call{op(code, std::move(args))}, kCallTimeout);
}

void Core::post(Code code, std::vector<std::string> args) const {
    if (!manager_.valid()) throw ValueError("use of an empty manager proxy");
    manager_.send(Post{op(code, std::move(args))});
}

bool register_managed(std::string type, Factory make) {
    std::scoped_lock g(registry_mutex());
    registry()[std::move(type)] = make;
    return true;
}

ActorRef create_registered(const std::string& type) {
    Factory make = nullptr;
    {
        std::scoped_lock g(registry_mutex());
        auto it = registry().find(type);
        if (it != registry().end()) make = it->second;
    }
    if (!make) throw ValueError("mpact::Manager: '" + type + "' is not registered (MPACT_MANAGED)");
    return make();
}

}  // namespace detail::mgr

Manager::Manager(ManagerOptions options) : options_(options) {
    ProcessOptions po;
    po.name = "Manager";
    po.start_method = options_.start_method;
    // Daemonic, as it never ends on its own: this process's exit terminates it rather than
    // waiting for it.
    po.daemon = true;
    auto ap = spawn_process<detail::mgr::ManagerActor>("mpact.manager", std::move(po),
                                                       options_.ready_timeout);
    ref_ = std::move(ap.ref);
    process_ = std::make_unique<mpact::Process>(std::move(ap.process));
}

Manager::Manager(Manager&&) noexcept = default;
Manager& Manager::operator=(Manager&& other) noexcept {
    if (this != &other) {
        shutdown();
        options_ = other.options_;
        ref_ = std::move(other.ref_);
        process_ = std::move(other.process_);
        stopped_ = other.stopped_;
    }
    return *this;
}

Manager::~Manager() {
    try {
        shutdown();
    } catch (...) {  // a destructor must not throw; the process is killed below at worst
    }
}

void Manager::shutdown() {
    if (!process_ || stopped_) return;
    stopped_ = true;
    auto& process = process_;
    try {
        static_cast<void>(ref_.stop(options_.shutdown_timeout));
    } catch (const Error&) {  // already gone
    }
    if (!process->join(options_.shutdown_timeout)) {
        process->kill();
        static_cast<void>(process->join(options_.shutdown_timeout));
    }
}

detail::mgr::Core Manager::create(detail::mgr::Kind kind, std::vector<std::string> init) const {
    detail::mgr::Create c{static_cast<std::uint8_t>(kind), std::move(init)};
    return detail::mgr::Core(ref_, ref_.request<std::uint64_t>(c, std::chrono::seconds(30)));
}

std::string Manager::host_bytes(const std::string& kind, std::int64_t n) const {
    return ref_.request<std::string>(detail::mgr::Host{kind, n}, std::chrono::seconds(30));
}

ActorRef Manager::create_ref(const std::string& type) const {
    return ref_.request<ActorRef>(detail::mgr::CreateRegistered{type}, std::chrono::seconds(30));
}

ManagerStats Manager::stats() const {
    return ref_.request<ManagerStats>(detail::mgr::Stats{}, std::chrono::seconds(30));
}

std::size_t Batch::add(const detail::mgr::Core& core, C code, std::vector<std::string> args) {
    if (!(core.manager() == manager_)) throw ValueError("mpact::Batch: a proxy of another manager");
    if (results_->ran) throw ValueError("mpact::Batch: already run");
    ops_.push_back(core.op(code, std::move(args)));
    return ops_.size() - 1;
}

void Batch::run() {
    if (results_->ran) throw ValueError("mpact::Batch: already run");
    results_->ran = true;
    detail::mgr::Op who;
    detail::mgr::stamp(who);
    detail::mgr::Batch b{std::move(ops_), who.pid, who.tid};
    results_->out = manager_.request<std::vector<detail::mgr::Out>>(b, detail::mgr::kBatchTimeout);
}

}  // namespace mpact
