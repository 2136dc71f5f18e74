"""barrier_3p — Python: 3 processes (the parent and 2 children) pass one
multiprocessing.Barrier(3) over and over. Microseconds per cycle, timed in the parent."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, now_ns, reap, run  # noqa: E402


def party(barrier, cycles):
    for _ in range(cycles):
        barrier.wait(timeout=30)


def main(options):
    warmup, n = options.pick(200, 50), options.pick(5000, 300)
    ctx = context()
    barrier = ctx.Barrier(3)
    procs = [ctx.Process(target=party, args=(barrier, warmup + n)) for _ in range(2)]
    for p in procs:
        p.start()
    try:
        for _ in range(warmup):
            barrier.wait(timeout=30)
        t0 = now_ns()
        for _ in range(n):
            barrier.wait(timeout=30)
        t1 = now_ns()
        for p in procs:
            p.join(timeout=10)
    finally:
        reap(procs)
    emit((t1 - t0) / 1e3 / n, "us", n,
         f"multiprocessing.Barrier(3) ({START_METHOD}), the parent and 2 children; mean per cycle")


if __name__ == "__main__":
    run(main, __doc__)
