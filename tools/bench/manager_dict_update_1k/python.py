"""manager_dict_update_1k — Python: d.update({...1,000 int pairs...}) on a Manager().dict()
(one round trip). Median microseconds per update."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, median, now_ns, run  # noqa: E402


def main(options):
    warmup, n = options.pick(20, 5), options.pick(500, 50)
    batch = {k: k for k in range(1000)}
    with context().Manager() as m:
        d = m.dict()
        us = []
        for i in range(warmup + n):
            batch[0] = i
            t0 = now_ns()
            d.update(batch)
            if i >= warmup:
                us.append((now_ns() - t0) / 1e3)
        if len(d) != 1000:
            raise RuntimeError("update lost keys")
    emit(median(us), "us", n, f"Manager().dict() ({START_METHOD}): d.update(1,000 pairs); median")


if __name__ == "__main__":
    run(main, __doc__)
