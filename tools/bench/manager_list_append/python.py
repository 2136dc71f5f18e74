"""manager_list_append — Python: l.append(i) on a Manager().list(), N times (each a round
trip), then len(l). Appends per second over the whole run."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, now_ns, run  # noqa: E402


def main(options):
    n = options.pick(20000, 2000)
    with context().Manager() as m:
        l = m.list()
        t0 = now_ns()
        for i in range(n):
            l.append(i)
        if len(l) != n:
            raise RuntimeError("lost appends")
        s = (now_ns() - t0) / 1e9
    emit(n / s, "ops/s", n, f"Manager().list() ({START_METHOD}): l.append(i), then len(l)")


if __name__ == "__main__":
    run(main, __doc__)
