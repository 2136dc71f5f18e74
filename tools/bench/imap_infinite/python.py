"""imap_infinite — Python: tasks/s of multiprocessing.Pool(os.cpu_count()).imap(identity,
itertools.count()), an endless input, chunksize 1, stopped after n = 100,000 results (10,000
under --quick); the pool is then terminated (its feeder thread would read on)."""
import itertools
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, now_ns, run  # noqa: E402


def identity(x):
    return x


def main(options):
    n = options.pick(100_000, 10_000)
    processes = os.cpu_count()
    with context().Pool(processes) as pool:
        sum(pool.imap_unordered(identity, range(1000)))  # warm up the workers
        t0 = now_ns()
        count = 0
        for v in pool.imap(identity, itertools.count()):
            if v != count:
                raise RuntimeError("imap lost its order")
            count += 1
            if count == n:
                break
        t1 = now_ns()
    emit(n * 1e9 / (t1 - t0), "tasks/s", n,
         f"multiprocessing.Pool({processes}) ({START_METHOD}), imap(identity, "
         f"itertools.count()), chunksize=1, stopped after {n} results")


if __name__ == "__main__":
    run(main, __doc__)
