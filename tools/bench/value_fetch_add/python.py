"""value_fetch_add — Python: a child's `with v.get_lock(): v.value += 1` on a Value('i') made
by the parent (Python has no fetch_add; this is its atomic increment). Median and p99 per
operation in microseconds."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, median, now_ns, percentile, reap, run  # noqa: E402


def child(v, n, out):
    us = []
    for _ in range(n):
        t0 = now_ns()
        with v.get_lock():
            v.value += 1
        us.append((now_ns() - t0) / 1e3)
    out.put(us)


def main(options):
    warmup, n = options.pick(1000, 100), options.pick(20000, 1000)
    ctx = context()
    v, out = ctx.Value("i", 0), ctx.Queue()
    p = ctx.Process(target=child, args=(v, warmup + n, out))
    p.start()
    try:
        us = out.get(timeout=60)[warmup:]
        p.join(timeout=10)
    finally:
        reap([p])
    emit(median(us), "us", n,
         f"Value('i') ({START_METHOD}): with v.get_lock(): v.value += 1 in a child; median",
         p99=percentile(us, 0.99))


if __name__ == "__main__":
    run(main, __doc__)
