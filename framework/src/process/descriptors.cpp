// Descriptor passing for Process arguments: the thread-local collector a type's msgpack
// adaptor exports into while the arguments are packed, and the table a child imports from
// while they are unpacked. How the descriptors then reach the child is the start method's
// business (process.cpp, forkserver.cpp).
#include <mpact/descriptors.hpp>
#include <mpact/errors.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <string>

namespace mpact {

namespace {
thread_local detail::DescriptorExportScope* t_export = nullptr;
thread_local detail::DescriptorImportScope* t_import = nullptr;
}  // namespace

std::uint32_t export_descriptor(int fd, const char* what) {
    auto* scope = t_export;
    if (scope == nullptr) {
        throw ValueError(std::string(what) +
                         " can only be sent to a child as an argument of mpact::Process: it "
                         "stands for an open descriptor of this process, which an ordinary "
                         "message cannot carry");
    }
    auto& collected = scope->collected();
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) {
        throw ProcessError(std::string("cannot hand ") + what + " to a child: descriptor " +
                           std::to_string(fd) + " cannot be duplicated (closed?)");
    }
    collected.fds.push_back(copy);
    return static_cast<std::uint32_t>(collected.fds.size() - 1);
}

void on_handed_over(std::function<void(const HandedOver&)> done) {
    if (auto* scope = t_export; scope != nullptr) {
        scope->collected().on_start.push_back(std::move(done));
    }
}

int import_descriptor(std::uint32_t index) {
    auto* scope = t_import;
    if (scope == nullptr) {
        throw ValueError(
            "a descriptor can only be received as an argument of this process's "
            "task (it was not handed over by mpact::Process)");
    }
    if (index >= scope->fds_.size() || scope->fds_[index] < 0) {
        throw ValueError("descriptor #" + std::to_string(index) +
                         " was not handed to this process, or was taken already");
    }
    int fd = scope->fds_[index];
    scope->fds_[index] = -1;
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);  // a spawn child got it without; its own children must not
    return fd;
}

namespace detail {

ExportedDescriptors::~ExportedDescriptors() {
    for (int fd : fds) ::close(fd);
}

void ExportedDescriptors::handed_over(const HandedOver& child) noexcept {
    auto callbacks = std::move(on_start);
    on_start.clear();
    for (auto& done : callbacks) {
        try {
            done(child);
        } catch (...) {  // the child runs either way; a callback only tidies the parent
        }
    }
}

DescriptorExportScope::DescriptorExportScope() : previous_(t_export) {
    t_export = this;
}
DescriptorExportScope::~DescriptorExportScope() {
    t_export = previous_;
}
ExportedDescriptors& DescriptorExportScope::collected() {
    if (!collected_) collected_ = std::make_shared<ExportedDescriptors>();
    return *collected_;
}
std::shared_ptr<ExportedDescriptors> DescriptorExportScope::take() {
    return std::move(collected_);
}

DescriptorImportScope::DescriptorImportScope(std::vector<int> fds)
    : fds_(std::move(fds)), previous_(t_import) {
    t_import = this;
}
DescriptorImportScope::~DescriptorImportScope() {
    t_import = previous_;
    for (int fd : fds_) {
        if (fd >= 0) ::close(fd);
    }
}

}  // namespace detail
}  // namespace mpact
