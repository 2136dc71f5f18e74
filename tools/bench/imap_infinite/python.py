"""imap_infinite — Python: tasks/s of multiprocessing.Pool(os.cpu_count()).imap(identity,
itertools.count()), an endless input, chunksize 1, stopped after n = 100,000 results (10,000
under --quick); the pool is then terminated (its feeder thread would read on)."""
import itertools
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, now_ns, run  # noqa: E402
from pool_map import identity  # noqa: E402


def main(options):
    stop_after = options.pick(100_000, 10_000)
    with context().Pool(os.cpu_count()) as pool:
        pool.map(identity, range(1000))  # warm up the workers
        start = now_ns()
        for count, v in enumerate(pool.imap(identity, itertools.count()), 1):
            if v != count - 1:
                raise RuntimeError("imap lost its order")
            if count == stop_after:
                break
        took = now_ns() - start
    emit(stop_after * 1e9 / took, "tasks/s", stop_after,
         f"multiprocessing.Pool({os.cpu_count()}) ({START_METHOD}), imap(identity, "
         f"itertools.count()), chunksize=1, stopped after {stop_after} results")


if __name__ == "__main__":
    run(main, __doc__)
