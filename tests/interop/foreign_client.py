#!/usr/bin/python3
"""A foreign mpact client, written from docs/protocol.md alone (pyzmq + msgpack, Debian's
python3-zmq and python3-msgpack). Run by interop_host, which passes the addresses:

    foreign_client.py <node endpoint> <counter actor> <queue endpoint> <queue actor>
                      <maxsize> <items the host puts> <items to put>

It speaks every part of the document a client needs — requests, a batch, the node's and the
actors' own messages, queue credits, puts, gets, leases — then sends malformed input and
checks that each refusal moved the counter the document names, and that the node serves on.
Exit status 0 when every check held; the first failed check raises with its reason.
"""
import itertools
import os
import random
import struct
import sys

import msgpack
import zmq

VERSION = 1
SEND, REQUEST, REPLY, ERROR, BATCH = 1, 2, 3, 4, 5
QUEUE = "mpact::queue_protocol::"
TIMEOUT_MS = 30_000


class RemoteError(Exception):
    def __init__(self, kind, message):
        super().__init__(f"{kind}: {message}")
        self.kind = kind


def check(condition, what):
    if not condition:
        raise AssertionError(what)


class Client:
    def __init__(self, context, endpoint):
        self.socket = context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 1000)
        self.socket.connect(endpoint)
        self.corr = itertools.count(1)

    def header(self, kind, to="", corr=0, type_name=""):
        return msgpack.packb([VERSION, kind, to, "", "", corr, 0, type_name])

    def send_frames(self, *frames):
        self.socket.send_multipart(list(frames))

    def request(self, to, type_name, message, raw=False):
        """One request; the reply's payload unpacked (raw=True keeps strs as bytes)."""
        corr = next(self.corr)
        self.send_frames(self.header(REQUEST, to, corr, type_name), msgpack.packb(message))
        while True:
            if not self.socket.poll(TIMEOUT_MS):
                raise AssertionError(f"no reply to {type_name} within {TIMEOUT_MS} ms")
            header, payload = self.socket.recv_multipart()
            v, kind, h_to, h_from, h_name, h_corr, h_deadline, h_type = msgpack.unpackb(header)
            if h_corr != corr:
                continue  # a stale reply
            # The reply header carries only the version, the kind and the corr.
            check(v == VERSION and (h_to, h_from, h_name, h_deadline, h_type) ==
                  ("", "", "", 0, ""), f"reply header {[v, kind, h_to, h_from, h_name]}")
            if kind == REPLY:
                return msgpack.unpackb(payload, raw=raw)
            check(kind == ERROR, f"reply kind {kind}")
            error_kind, what, stack = msgpack.unpackb(payload)
            raise RemoteError(error_kind, what)

    def refused(self, expected_kind, to, type_name, message):
        try:
            self.request(to, type_name, message, raw=True)
        except RemoteError as e:
            check(e.kind == expected_kind, f"{type_name} {message!r}: {e}, not {expected_kind}")
            return
        raise AssertionError(f"{type_name} {message!r} was accepted")

    def send_batch(self, to, type_name, messages):
        self.send_frames(self.header(BATCH), msgpack.packb([[to, "", type_name, messages]]))


def items_of(items):
    """Items = [sizes, bytes] -> the msgpack values, each unpacked on its own."""
    sizes, data = items
    lengths = struct.unpack("<%dI" % (len(sizes) // 4), sizes)
    out, offset = [], 0
    for n in lengths:
        out.append(msgpack.unpackb(data[offset:offset + n]))
        offset += n
    check(offset == len(data), "item sizes do not add up")
    return out


def pack_items(values):
    encoded = [msgpack.packb(v) for v in values]
    return [struct.pack("<%dI" % len(encoded), *map(len, encoded)), b"".join(encoded)]


def main():
    (node, counter, queue_endpoint, queue, maxsize, host_items, to_put) = sys.argv[1:8]
    maxsize, host_items, to_put = int(maxsize), int(host_items), int(to_put)
    context = zmq.Context()
    c = Client(context, node)
    pid = os.getpid()

    # The node's own message, then an actor's readiness probe.
    check(c.request("", "mpact.sync", None) is None, "mpact.sync")
    check(c.request(counter, "mpact.ping", None) is None, "mpact.ping")

    # A request, a batch of one-way messages, and a request after it (handled in order).
    check(c.request(counter, "Increment", [5]) == 5, "Increment [5]")
    c.send_batch(counter, "Increment", [[1]] * 1000)
    check(c.request(counter, "Increment", [0]) == 1005, "the batch before the request")

    # Malformed input: each is refused, counted where the document says, nothing else moves.
    before = c.request(counter, "Stats", [])
    c.send_frames(b"not msgpack at all")                                  # one frame
    c.send_frames(b"\xc1", msgpack.packb(None))                           # bad header
    c.send_frames(msgpack.packb([1, 2, counter, "", "", 1, 0]), b"\x90")  # 7 fields
    c.send_frames(msgpack.packb([2, 2, counter, "", "", 1, 0, "Increment"]),
                  msgpack.packb([1]))                                     # version 2
    c.send_frames(c.header(REPLY, corr=987654321), msgpack.packb(None))  # nobody asked
    c.send_frames(c.header(ERROR, corr=987654322),
                  msgpack.packb(["ValueError", "x", ""]))
    c.refused("ProtocolError", counter, "Increment", [])          # too few fields
    c.refused("ProtocolError", counter, "Increment", [1, 2])      # too many
    c.refused("ProtocolError", counter, "Increment", ["five"])    # wrong type
    c.refused("ProtocolError", counter, "NoSuchType", [])
    c.refused("ActorDownError", "nobody", "Increment", [1])
    after = c.request(counter, "Stats", [])
    moved = {k: after[k] - before[k] for k in before if after[k] != before[k]}
    # `received` and `delivered` count the refusals and the Stats requests themselves.
    moved.pop("received", None)
    moved.pop("delivered", None)
    check(moved == {"malformed": 4, "unmatched": 2, "handler_errors": 4, "unknown_actor": 1},
          f"counters moved {moved}")

    # The queue: take what the host put (leases acknowledged by the next Get), ...
    q = Client(context, queue_endpoint)
    consumer = random.getrandbits(64)
    got, lease = [], 0
    while len(got) < host_items:
        lease, items = q.request(queue, QUEUE + "Get", [consumer, pid, 4, lease, 10_000_000],
                                 raw=True)   # `bytes` is a msgpack str holding raw bytes
        values = items_of(items)
        check(1 <= len(values) <= 4, f"a lease of {len(values)} items")
        got += values
    q.request(queue, QUEUE + "Return", [consumer, lease, len(values)])  # all of it used
    check(got == [f"host-{i}" for i in range(host_items)], f"got {got}")

    # ... put items of our own into the room the broker grants, ...
    sent = 0
    while sent < to_put:
        granted = q.request(queue, QUEUE + "Credit", [pid, 1 << 20, 10_000_000])
        # A lone producer's window is at most max(1, maxsize / 2).
        check(1 <= granted <= max(1, maxsize // 2), f"granted {granted} credits")
        n = min(granted, to_put - sent)
        check(q.request(queue, QUEUE + "Put",
                        [pid, pack_items([f"python-{sent + i}" for i in range(n)]), 0]) == 0,
              "Put with want 0 asks for no credits")
        if granted > n:
            q.request(queue, QUEUE + "Release", [pid, granted - n])
        sent += n
    check(q.request(queue, QUEUE + "Size", []) == to_put, "Size after our puts")

    # ... and refuse what would lose items or does not add up, counted in `refused`.
    before = c.request(counter, "Stats", [])
    q.refused("ProtocolError", queue, QUEUE + "Get", [consumer + 1, 0, 1, 0, 0])
    q.refused("ProtocolError", queue, QUEUE + "Get", [consumer + 2, -1, 1, 0, 0])
    q.refused("ProtocolError", queue, QUEUE + "Credit", [0, 1, 0])
    q.refused("ProtocolError", queue, QUEUE + "Put",
              [pid, [struct.pack("<I", 3), msgpack.packb("x")], 0])      # sizes do not add up
    q.refused("ProtocolError", queue, QUEUE + "Put",
              [pid, [struct.pack("<I", 0xFFFFFFFF), b"\xa1x"], 0])       # a 4 GiB claim
    q.refused("ProtocolError", queue, QUEUE + "Put", [])                 # no fields
    after = c.request(counter, "Stats", [])
    moved = {k: after[k] - before[k] for k in before if after[k] != before[k]}
    moved.pop("received", None)
    moved.pop("delivered", None)
    check(moved == {"refused": 5, "handler_errors": 1}, f"queue refusals moved {moved}")
    check(q.request(queue, QUEUE + "Size", []) == to_put, "a refused Get took an item")

    # The node serves on.
    check(c.request(counter, "Increment", [1]) == 1006, "Increment after the refusals")
    print("foreign_client: every check passed")


if __name__ == "__main__":
    main()
