"""actor_oneway_ipc — Python: one-way throughput of small ints over multiprocessing.Pipe()
(duplex=False) from a child to the parent, counted at the receiver from first to last
message."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, now_ns, run  # noqa: E402


def sender(conn, n):
    for i in range(n):
        conn.send(i)
    conn.close()


def main(options):
    n = options.pick(1_000_000, 100_000)
    ctx = context()
    reader, writer = ctx.Pipe(duplex=False)
    child = ctx.Process(target=sender, args=(writer, n))
    child.start()
    writer.close()
    try:
        reader.recv()
        first = now_ns()
        for _ in range(n - 1):
            reader.recv()
        last = now_ns()
        child.join(timeout=10)
    finally:
        if child.is_alive():
            child.kill()
            child.join()
    emit((n - 1) * 1e9 / (last - first), "msgs/s", n,
         f"multiprocessing.Pipe(duplex=False) send(int) from a child ({START_METHOD}), "
         "counted at the receiver from first to last message")


if __name__ == "__main__":
    run(main, __doc__)
