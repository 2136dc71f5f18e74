"""manager_dict_setget — Python: d[k] = i; d[k] on a Manager().dict() (two round trips to
the manager's server process). Median and p99 per pair in microseconds."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, median, now_ns, percentile, run  # noqa: E402


def main(options):
    warmup, n = options.pick(1000, 100), options.pick(20000, 1000)
    with context().Manager() as m:
        d = m.dict()
        us = []
        for i in range(warmup + n):
            t0 = now_ns()
            d[i % 64] = i
            if d[i % 64] != i:
                raise RuntimeError("get did not see the set")
            if i >= warmup:
                us.append((now_ns() - t0) / 1e3)
    emit(median(us), "us", n, f"Manager().dict() ({START_METHOD}): d[k] = i; d[k]; median",
         p99=percentile(us, 0.99))


if __name__ == "__main__":
    run(main, __doc__)
