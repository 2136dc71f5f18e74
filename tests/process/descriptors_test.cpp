// Descriptor passing for Process arguments (<mpact/descriptors.hpp>), with a type of the
// test's own: the framework knows nothing of Connection.
#include <mpact/codec.hpp>
#include <mpact/descriptors.hpp>
#include <mpact/errors.hpp>
#include <mpact/process.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

using namespace std::chrono_literals;

namespace {
struct WriteEnd {
    int fd = -1;
};
}  // namespace

namespace msgpack {
MSGPACK_API_VERSION_NAMESPACE(MSGPACK_DEFAULT_API_NS) {
    namespace adaptor {
    template <>
    struct pack<WriteEnd> {
        template <class Stream>
        packer<Stream>& operator()(packer<Stream>& o, const WriteEnd& w) const {
            return o.pack(mpact::export_descriptor(w.fd, "WriteEnd"));
        }
    };
    template <>
    struct convert<WriteEnd> {
        const msgpack::object& operator()(const msgpack::object& o, WriteEnd& w) const {
            w.fd = mpact::import_descriptor(o.as<std::uint32_t>());
            return o;
        }
    };
    }  // namespace adaptor
}
}  // namespace msgpack

namespace {
void write_text(WriteEnd w, std::string text) {
    if (::write(w.fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        throw mpact::ProcessError("short write");
    }
    ::close(w.fd);
}

// Everything until EOF; "timeout" if it does not come within 60 s.
std::string read_to_eof(int fd) {
    std::string out;
    char buf[256];
    while (true) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 60000) <= 0) return out + "timeout";
        auto n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}
}  // namespace
MPACT_TASK(write_text);

TEST_CASE("a descriptor in a Process's arguments reaches the child under every start method" *
          doctest::timeout(120)) {
    for (auto method :
         {mpact::StartMethod::fork, mpact::StartMethod::spawn, mpact::StartMethod::forkserver}) {
        CAPTURE(mpact::to_string(method));
        int fds[2];
        REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
        std::string text = std::string("hello from ") + mpact::to_string(method);
        mpact::Process p({.start_method = method}, write_text, WriteEnd{fds[1]}, text);
        p.start();
        ::close(fds[1]);
        // EOF comes only if no copy is left behind: not ours, not the Process's duplicate,
        // not the forkserver's.
        CHECK(read_to_eof(fds[0]) == text);
        ::close(fds[0]);
        REQUIRE(p.join(60s));
        CHECK(p.exitcode() == 0);
    }
}

TEST_CASE("exporting or importing a descriptor outside a Process's arguments is a ValueError" *
          doctest::timeout(30)) {
    CHECK_THROWS_AS(static_cast<void>(mpact::pack(WriteEnd{0})), mpact::ValueError);
    CHECK_THROWS_AS(static_cast<void>(mpact::import_descriptor(0)), mpact::ValueError);
    mpact::detail::DescriptorImportScope scope({});
    CHECK_THROWS_AS(static_cast<void>(mpact::import_descriptor(0)), mpact::ValueError);
}

TEST_CASE("a Process that is never started closes its duplicates" * doctest::timeout(30)) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    { mpact::Process p(write_text, WriteEnd{fds[1]}, std::string("never")); }
    ::close(fds[1]);
    CHECK(read_to_eof(fds[0]).empty());
    ::close(fds[0]);
}
