#pragma once
// A program started by exec (posix_spawn) with an environment of the test's choosing and
// pipes on its stdin and stdout: another "host" of the net tests, in its own session.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace net_test {

class Program {
  public:
    // Starts `path` with `args`; `env` is added to this process's environment minus every
    // MPACT_* variable (the program must not think it is one of our children).
    Program(const std::string& path, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& env);
    ~Program();  // SIGKILLs and reaps it if still running
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;

    // The next line of its stdout (without '\n'), or nullopt at EOF or after `timeout`.
    std::optional<std::string> line(std::chrono::milliseconds timeout = std::chrono::seconds(20));
    void write_line(const std::string& text);
    void close_stdin();
    // Its exit code (-signal if killed), or nullopt after `timeout`.
    std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(20));
    // Every line until EOF, joined with '\n' (for messages).
    std::string rest(std::chrono::milliseconds timeout = std::chrono::seconds(20));

  private:
    pid_t pid_ = -1;
    int in_ = -1, out_ = -1;
    std::string buffer_;
    bool reaped_ = false;
};

// A private temporary directory, removed with what it holds.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return path_; }
    // Writes `bytes` to `name` in it with `mode`; returns the path.
    std::string file(const std::string& name, const std::string& bytes, unsigned mode);

  private:
    std::string path_;
};

}  // namespace net_test
