"""listener_rtt — Python: round trip of an 8-byte send_bytes/recv_bytes over
multiprocessing.connection.Listener/Client (TCP loopback, with an authkey), echoed by a
child process that connected as Client. Median and p99 in microseconds."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, median, now_ns, percentile, run  # noqa: E402
from multiprocessing.connection import Client, Listener  # noqa: E402

KEY = b"bench key"


def echo(address):
    with Client(address, authkey=KEY) as c:
        while True:
            b = c.recv_bytes()
            if not b:
                return
            c.send_bytes(b)


def main(options):
    warmup, n = options.pick(1000, 200), options.pick(20000, 2000)
    ctx = context()
    with Listener(("127.0.0.1", 0), authkey=KEY) as listener:
        child = ctx.Process(target=echo, args=(listener.address,))
        child.start()
        try:
            with listener.accept() as c:
                message = b"12345678"
                rtt_us = []
                for i in range(warmup + n):
                    t0 = now_ns()
                    c.send_bytes(message)
                    c.recv_bytes()
                    t1 = now_ns()
                    if i >= warmup:
                        rtt_us.append((t1 - t0) / 1e3)
                c.send_bytes(b"")
            child.join(timeout=10)
        finally:
            if child.is_alive():
                child.kill()
                child.join()
    emit(median(rtt_us), "us", n,
         "multiprocessing.connection Listener/Client (tcp loopback, authkey) "
         f"send_bytes/recv_bytes of 8 bytes echoed by a child ({START_METHOD}); median round trip",
         p99=percentile(rtt_us, 0.99))


if __name__ == "__main__":
    run(main, __doc__)
