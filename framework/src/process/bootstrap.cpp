#include "process/bootstrap.hpp"

#include <mpact/descriptors.hpp>
#include <mpact/errors.hpp>
#include <mpact/internal/demangle.hpp>
#include <mpact/internal/exit_hooks.hpp>
#include <mpact/internal/fd_io.hpp>
#include <mpact/internal/session.hpp>
#include <mpact/task.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <iostream>

namespace mpact::detail {

bool write_frame(int fd, const std::string& bytes) {
    std::uint64_t size = bytes.size();
    return write_all(fd, reinterpret_cast<const char*>(&size), sizeof size) &&
           write_all(fd, bytes.data(), bytes.size());
}

bool read_frame(int fd, std::string& bytes) {
    std::uint64_t size = 0;
    if (!read_all(fd, reinterpret_cast<char*>(&size), sizeof size)) return false;
    if (size > (std::uint64_t{1} << 32)) return false;
    bytes.resize(size);
    return read_all(fd, bytes.data(), bytes.size());
}

Identity& identity() {
    static Identity id;
    return id;
}

int run_bootstrapped(const Bootstrap& boot) {
    adopt_session(Session{boot.session_dir, boot.authkey, boot.root_pid});
    auto& id = identity();
    id = Identity{boot.name, boot.identity, boot.daemon, boot.parent_pid, boot.parent_name, 0};
    int code = 0;
    try {
        DescriptorImportScope descriptors(boot.fds);  // a Connection argument takes its own
        static_cast<void>(invoke_task(boot.task, boot.packed_args));
    } catch (const std::exception& e) {
        std::cout.flush();
        std::cerr << "Process " << boot.name << ":\n"
                  << (dynamic_cast<const Error*>(&e)
                          ? std::string(dynamic_cast<const Error*>(&e)->kind())
                          : demangled_type_name(e))
                  << ": " << e.what() << std::endl;
        code = 1;
    } catch (...) {
        std::cerr << "Process " << boot.name << ":\nan exception not derived from std::exception"
                  << std::endl;
        code = 1;
    }
    run_exit_hooks();  // while this thread's links still exist (exit() destroys them first)
    std::cout.flush();
    std::fflush(nullptr);
    return code;
}

}  // namespace mpact::detail
