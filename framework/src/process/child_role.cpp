#include "process/child_role.hpp"

#include <mpact/codec.hpp>

#include "process/bootstrap.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace mpact::detail {

void run_role_if_requested(int argc, char** argv) {
    std::string_view role;
    int fd = -1;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg.starts_with("--mpact-role=")) role = arg.substr(13);
        if (arg.starts_with("--mpact-bootstrap-fd=")) fd = std::atoi(argv[i] + 21);
    }
    if (role.empty() || fd < 0) return;
    if (role == "forkserver") serve_forkserver(fd);
    if (role == "spawn") {
        std::string bytes;
        if (!read_frame(fd, bytes)) std::exit(1);
        ::close(fd);
        std::exit(run_bootstrapped(unpack<Bootstrap>(bytes)));
    }
    std::exit(2);
}

}  // namespace mpact::detail
