#include "net_program.hpp"

#include "support/support.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

extern char** environ;

namespace net_test {

using Clock = std::chrono::steady_clock;

Program::Program(const std::string& path, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) {
        throw std::runtime_error("pipe2 failed");
    }
    std::vector<std::string> env_text;
    for (char** e = environ; *e != nullptr; ++e) {
        if (std::strncmp(*e, "MPACT_", 6) != 0) env_text.emplace_back(*e);
    }
    for (const auto& [name, value] : env) env_text.push_back(name + "=" + value);
    std::vector<char*> envp, argv;
    for (auto& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> arg_text{path};
    arg_text.insert(arg_text.end(), args.begin(), args.end());
    for (auto& a : arg_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    const int rc = ::posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    in_ = in[1];
    out_ = out[0];
    if (rc != 0) {
        pid_ = -1;
        throw std::runtime_error("posix_spawn " + path + ": " + std::strerror(rc));
    }
}

Program::~Program() {
    close_stdin();
    if (pid_ > 0 && !reaped_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    if (out_ >= 0) ::close(out_);
}

std::optional<std::string> Program::line(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
            auto text = buffer_.substr(0, nl);
            buffer_.erase(0, nl + 1);
            return text;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd p{out_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
        char chunk[4096];
        auto n = ::read(out_, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (buffer_.empty()) return std::nullopt;
            return std::exchange(buffer_, {});
        }
        buffer_.append(chunk, static_cast<std::size_t>(n));
    }
}

std::string Program::rest(std::chrono::milliseconds timeout) {
    std::string all;
    const auto deadline = Clock::now() + timeout;
    while (auto next = line(std::chrono::duration_cast<std::chrono::milliseconds>(
               std::max(deadline - Clock::now(), Clock::duration::zero())))) {
        all += *next + "\n";
    }
    return all;
}

void Program::write_line(const std::string& text) {
    std::string data = text + "\n";
    if (in_ < 0 || ::write(in_, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
        throw std::runtime_error("cannot write to the program's stdin");
    }
}

void Program::close_stdin() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
}

std::optional<int> Program::wait(std::chrono::milliseconds timeout) {
    if (reaped_) return std::nullopt;
    const int status = mpact::test::wait_child(pid_, timeout);
    if (status == -1) return std::nullopt;
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

TempDir::TempDir() {
    std::string pattern = std::filesystem::temp_directory_path().string() + "/mpact-net-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::file(const std::string& name, const std::string& bytes, unsigned mode) {
    std::string path = path_ + "/" + name;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || ::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
        throw std::runtime_error("cannot write " + path);
    }
    ::close(fd);
    ::chmod(path.c_str(), mode);
    return path;
}

}  // namespace net_test
