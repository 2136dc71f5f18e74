"""imap_unordered — Python: throughput of pool.imap_unordered over trivial tasks (default
chunksize=1) on a warm multiprocessing.Pool(os.cpu_count())."""
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
        count = sum(1 for _ in pool.imap_unordered(identity, range(n)))
        t1 = now_ns()
    if count != n:
        raise RuntimeError(f"got {count} of {n} results")
    emit(n * 1e9 / (t1 - t0), "tasks/s", n,
         f"multiprocessing.Pool({processes}) ({START_METHOD}), "
         f"imap_unordered(identity, range({n})), chunksize=1, all results consumed")


if __name__ == "__main__":
    run(main, __doc__)
