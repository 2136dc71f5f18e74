"""lock_uncontended — Python: acquire() + release() of a multiprocessing.Lock in one process,
nobody else wanting it (a POSIX semaphore in shared memory). Operations (pairs) per second."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, now_ns, run  # noqa: E402


def main(options):
    n = options.pick(1_000_000, 50_000)
    lock = context().Lock()
    for _ in range(1000):
        lock.acquire()
        lock.release()
    t0 = now_ns()
    for _ in range(n):
        lock.acquire()
        lock.release()
    t1 = now_ns()
    emit(n * 1e9 / (t1 - t0), "ops/s", n,
         f"multiprocessing.Lock() ({START_METHOD} context), acquire()+release() pairs in one "
         "process, uncontended")


if __name__ == "__main__":
    run(main, __doc__)
