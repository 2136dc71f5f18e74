// A full scratch directory: a large queue item either travels whole or put() raises, never
// a put that succeeds and an item that does not decode; kept (consumed) spill files make
// room before a put is refused. Each case runs tests/session/resource_helper as a root
// whose MPACT_RUNTIME_DIR (and so its scratch directory) is an 8 MiB tmpfs mounted here.
#include "support/support.hpp"

#include <doctest/doctest.h>

#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// An 8 MiB tmpfs on a fresh directory, unmounted and removed at the end.
class SmallTmpfs {
  public:
    SmallTmpfs() {
        std::string pattern = (fs::temp_directory_path() / "mpact-tmpfs-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
        if (::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=8m") == 0) {
            mounted_ = true;
        } else {
            error_ = std::strerror(errno);
        }
    }
    ~SmallTmpfs() {
        if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    SmallTmpfs(const SmallTmpfs&) = delete;
    SmallTmpfs& operator=(const SmallTmpfs&) = delete;
    bool mounted() const { return mounted_; }
    const std::string& path() const { return path_; }
    const std::string& error() const { return error_; }

  private:
    std::string path_, error_;
    bool mounted_ = false;
};

// Runs the helper's `spill <mode>` with its runtime directory on `fs`; its exit status.
int run_spill(const SmallTmpfs& fs, const char* mode) {
    pid_t pid = mpact::test::start_program({MPACT_RESOURCE_HELPER, "spill", mode},
                                           {{"MPACT_RUNTIME_DIR", fs.path()}});
    REQUIRE(pid >= 0);
    int status = mpact::test::wait_child(pid, 180s);
    if (status == -1) {
        ::kill(pid, SIGKILL);
        mpact::test::wait_child(pid, 20s);
    }
    return status;
}

// The cases below: whole items (exit 0), or a put() that raised (exit 3) where allowed.
void check_spill(const char* mode, bool may_refuse) {
    SmallTmpfs fs;
    if (!fs.mounted()) {
        MESSAGE("skipped: cannot mount a tmpfs here (" << fs.error() << "); needs root");
        return;
    }
    int status = run_spill(fs, mode);
    REQUIRE(status != -1);
    REQUIRE(WIFEXITED(status));
    if (may_refuse && WEXITSTATUS(status) == 3) return;
    CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace

TEST_CASE("a 64 MiB item put while the scratch directory is full comes out whole" *
          doctest::timeout(240)) {
    check_spill("full", false);
}

TEST_CASE("an item of many parts put while the scratch directory is full comes out whole" *
          doctest::timeout(240)) {
    check_spill("full-many", false);
}

TEST_CASE("a 64 MiB item that fills the scratch directory halfway comes out whole" *
          doctest::timeout(240)) {
    check_spill("fills", false);
}

TEST_CASE("a put to an empty queue evicts kept spill files before it gives up on the disk" *
          doctest::timeout(240)) {
    check_spill("kept", false);
}
