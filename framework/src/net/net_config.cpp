#include "net/net_config.hpp"

#include <mpact/errors.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace mpact::detail {

namespace {
constexpr std::size_t kMaxAuthkeyBytes = 4096;

std::mutex& config_mutex() {
    static auto* mutex = new std::mutex();  // never destroyed: read while exiting
    return *mutex;
}
std::optional<std::string>& configured_listen() {
    static auto* listen = new std::optional<std::string>();
    return *listen;
}

std::string octal_mode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
    return text;
}
}  // namespace

std::optional<std::string> listen_address() {
    {
        std::lock_guard lock(config_mutex());
        if (configured_listen()) return configured_listen();
    }
    const char* env = std::getenv("MPACT_LISTEN");
    if (env == nullptr || *env == '\0') return std::nullopt;
    return std::string(env);
}

void set_listen_address(std::string address) {
    std::lock_guard lock(config_mutex());
    configured_listen() = std::move(address);
}

std::string read_authkey_file(const std::string& path) {
    // O_NOFOLLOW: a symlink planted in the key's place is refused, not followed.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        throw AuthenticationError(
            "cannot open authkey file " + path + ": " + std::strerror(errno) +
            (errno == ELOOP ? " (it is a symlink; name the file itself)" : ""));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        throw AuthenticationError("authkey file " + path + " is not a regular file");
    }
    if (st.st_uid != ::getuid()) {
        throw AuthenticationError("authkey file " + path + " is owned by uid " +
                                  std::to_string(st.st_uid) + ", not by this user (uid " +
                                  std::to_string(::getuid()) + ")");
    }
    if ((st.st_mode & 077) != 0) {
        throw AuthenticationError("authkey file " + path + " has mode " + octal_mode(st.st_mode) +
                                  ": others may read it; chmod 600 " + path);
    }
    std::string key;
    char buffer[1024];
    while (key.size() <= kMaxAuthkeyBytes) {
        auto n = ::read(fd, buffer, sizeof(buffer));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw AuthenticationError("cannot read authkey file " + path);
        if (n == 0) break;
        key.append(buffer, static_cast<std::size_t>(n));
    }
    if (key.empty() || key.size() > kMaxAuthkeyBytes) {
        throw AuthenticationError("authkey file " + path + " must hold 1 to 4096 bytes");
    }
    return key;
}

}  // namespace mpact::detail
