"""The Python contender of the pool_map_* figures: throughput of pool.map over trivial
tasks on a warm multiprocessing.Pool(os.cpu_count()), median of a few maps."""
import os

from bench_util import START_METHOD, context, emit, median, now_ns


def identity(x):
    return x


def measure(options, tasks, chunksize=None, repeats=(3, 1)):
    """``tasks`` and ``repeats`` are (full, quick) pairs; chunksize None = map's default."""
    n = options.pick(*tasks)
    processes = os.cpu_count()
    rates = []
    with context().Pool(processes) as pool:
        pool.map(identity, range(1000))  # warm up the workers
        for _ in range(options.pick(*repeats)):
            t0 = now_ns()
            result = pool.map(identity, range(n), chunksize)
            t1 = now_ns()
            if len(result) != n:
                raise RuntimeError(f"map returned {len(result)} of {n} results")
            rates.append(n * 1e9 / (t1 - t0))
    chunk = "default chunksize" if chunksize is None else f"chunksize={chunksize}"
    emit(median(rates), "tasks/s", n,
         f"multiprocessing.Pool({processes}) ({START_METHOD}), map(identity, range({n})), "
         f"{chunk}; median of {len(rates)} maps")
