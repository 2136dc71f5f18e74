"""apply_async_rtt — Python: sequential pool.apply_async(f, (i,)).get() on a warm
multiprocessing.Pool(os.cpu_count()). Median and p99 in microseconds."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, median, now_ns, percentile, run  # noqa: E402


def identity(x):
    return x


def main(options):
    warmup, n = options.pick(500, 100), options.pick(5000, 500)
    processes = os.cpu_count()
    with context().Pool(processes) as pool:
        rtt_us = []
        for i in range(warmup + n):
            t0 = now_ns()
            pool.apply_async(identity, (i,)).get(timeout=30)
            t1 = now_ns()
            if i >= warmup:
                rtt_us.append((t1 - t0) / 1e3)
    emit(median(rtt_us), "us", n,
         f"multiprocessing.Pool({processes}) ({START_METHOD}), apply_async(identity, (i,)).get() "
         "one at a time; median round trip", p99=percentile(rtt_us, 0.99))


if __name__ == "__main__":
    run(main, __doc__)
