// Writes the seed corpus from real frames: what the framework and the queue handles put on
// the wire (tools: run `make_fuzz_seeds tests/fuzz/corpus` after a wire format changes).
#include <mpact/codec.hpp>
#include <mpact/internal/error_payload.hpp>

#include "protocol.hpp"  // actors/queue/protocol.hpp
#include "wire/batch.hpp"
#include "wire/envelope.hpp"

#include <cstdio>
#include <fstream>
#include <string>

namespace {
std::string dir;
void write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    namespace d = mpact::detail;
    namespace q = mpact::queue_protocol;

    d::Header request{d::Kind::request, "queue-1",        "ipc:///run/mpact/s/42", "client", 7,
                      1700000000000000, "mpact.queue.Put"};
    write("header_request", d::encode_header(request));
    write("header_send",
          d::encode_header(d::Header{d::Kind::send, "counter", "", "", 0, 0, "Increment"}));
    write("header_error", d::encode_header(d::Header{d::Kind::error, "", "", "", 9, 0, ""}));
    write("header_batch", d::encode_header(d::Header{d::Kind::batch, "", "", "", 0, 0, ""}));

    d::BatchWriter writer;
    writer.add("counter", "", "Increment", mpact::pack(std::make_tuple(1)));
    writer.add("counter", "", "Increment", mpact::pack(std::make_tuple(2)));
    writer.add("logger", "src", "Line", mpact::pack(std::string("hello")));
    write("batch_two_groups", writer.take());

    q::Items items;
    for (int v : {1, 22, 333}) {
        auto packed = mpact::pack(v);
        items.sizes.push_back(static_cast<std::uint32_t>(packed.size()));
        items.bytes += packed;
    }
    write("queue_put", mpact::pack(q::Put{42, items, 8}));
    write("queue_batch", mpact::pack(q::Batch{5, items}));
    write("queue_get", mpact::pack(q::Get{3, 42, 16, 4, -1}));
    write("queue_credit", mpact::pack(q::Credit{42, 4, 1000}));
    write("queue_release", mpact::pack(q::Release{42, 2}));
    write("queue_return", mpact::pack(q::Return{3, 5, 1}));
    write("queue_join", mpact::pack(q::Join{42, -1}));
    write("error_payload", d::pack_error("ValueError", "bad value", "in process 42"));
    return 0;
}
