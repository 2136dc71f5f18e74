"""pipe_rtt — Python: round trip of a small int over multiprocessing.Pipe() between two
processes (a child echoes). Median and p99 in microseconds. Also the Python peer of
actor_rtt_ipc (the driver reuses this program)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, median, now_ns, percentile, run  # noqa: E402


def echo(conn):
    while True:
        x = conn.recv()
        if x is None:
            return
        conn.send(x)


def main(options):
    warmup, n = options.pick(1000, 200), options.pick(20000, 2000)
    ctx = context()
    here, there = ctx.Pipe()
    child = ctx.Process(target=echo, args=(there,))
    child.start()
    try:
        rtt_us = []
        for i in range(warmup + n):
            t0 = now_ns()
            here.send(i)
            here.recv()
            t1 = now_ns()
            if i >= warmup:
                rtt_us.append((t1 - t0) / 1e3)
        here.send(None)
        child.join(timeout=10)
    finally:
        if child.is_alive():
            child.kill()
            child.join()
    emit(median(rtt_us), "us", n,
         f"multiprocessing.Pipe() send(int)/recv() echoed by a child ({START_METHOD}); "
         "median round trip", p99=percentile(rtt_us, 0.99))


if __name__ == "__main__":
    run(main, __doc__)
