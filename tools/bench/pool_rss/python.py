"""pool_rss — Python: the parent's peak RSS (VmHWM, MiB) while
multiprocessing.Pool(os.cpu_count()).imap_unordered(identity, range(n)) runs with the default
chunksize 1 and every result is consumed; the note lists VmRSS after each tenth of the
results. n = 300,000 (30,000 under --quick); MPACT_BENCH_TASKS=<n> overrides it."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, now_ns, run  # noqa: E402


def identity(x):
    return x


def status_mib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def main(options):
    n = int(os.environ.get("MPACT_BENCH_TASKS", options.pick(300_000, 30_000)))
    processes = os.cpu_count()
    with context().Pool(processes) as pool:
        sum(pool.imap_unordered(identity, range(1000)))  # warm up the workers
        before = status_mib("VmRSS")
        series = []
        t0 = now_ns()
        count = 0
        step = max(n // 10, 1)
        for _ in pool.imap_unordered(identity, range(n)):
            count += 1
            if count % step == 0:
                series.append(f"{status_mib('VmRSS'):.1f}")
        t1 = now_ns()
        peak = status_mib("VmHWM")
    if count != n:
        raise RuntimeError(f"got {count} of {n} results")
    emit(peak, "MiB", n,
         f"multiprocessing.Pool({processes}) ({START_METHOD}), imap_unordered(identity, "
         f"range({n})), chunksize=1, in {(t1 - t0) / 1e9:.1f} s; VmRSS MiB before {before:.1f}, "
         f"after each 10% consumed: {' '.join(series)}")


if __name__ == "__main__":
    run(main, __doc__)
