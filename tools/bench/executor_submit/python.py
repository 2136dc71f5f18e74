"""executor_submit — Python: tasks/s of concurrent.futures.ProcessPoolExecutor(os.cpu_count()):
n = 10,000 trivial tasks submitted one by one (2,000 under --quick), then every result
collected; median of 3 rounds (1 under --quick) on a warm executor."""
import concurrent.futures
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, median, now_ns, run  # noqa: E402
from pool_map import identity  # noqa: E402


def main(options):
    n, rounds = options.pick(10_000, 2_000), options.pick(3, 1)
    workers = os.cpu_count()
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context()) as ex:
        for f in [ex.submit(identity, i) for i in range(1000)]:  # warm up the workers
            f.result(timeout=30)
        rates = []
        for _ in range(rounds):
            start = now_ns()
            futures = [ex.submit(identity, i) for i in range(n)]
            for i, f in enumerate(futures):
                if f.result(timeout=60) != i:
                    raise RuntimeError("wrong result")
            rates.append(n * 1e9 / (now_ns() - start))
    emit(median(rates), "tasks/s", n,
         f"concurrent.futures.ProcessPoolExecutor({workers}) ({START_METHOD}), {n} x "
         f"submit(identity, i), then every result(); median of {rounds} rounds")


if __name__ == "__main__":
    run(main, __doc__)
