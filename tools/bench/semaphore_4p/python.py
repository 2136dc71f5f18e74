"""semaphore_4p — Python: 4 processes each loop acquire() + release() on one
multiprocessing.Semaphore(2). Total pairs per second, from go to the last process done."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, now_ns, reap, run  # noqa: E402

PROCS = 4


def worker(sem, rounds, ready, go, done):
    ready.put(1)
    go.wait()
    for _ in range(rounds):
        sem.acquire()
        sem.release()
    done.put(now_ns())


def main(options):
    rounds = options.pick(50_000, 2_000)
    ctx = context()
    sem, ready, done, go = ctx.Semaphore(2), ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=worker, args=(sem, rounds, ready, go, done))
             for _ in range(PROCS)]
    for p in procs:
        p.start()
    try:
        for _ in procs:
            ready.get(timeout=30)
        t0 = now_ns()
        go.set()
        t_end = max(done.get(timeout=60) for _ in procs)
        for p in procs:
            p.join(timeout=10)
    finally:
        reap(procs)
    total = rounds * PROCS
    emit(total * 1e9 / (t_end - t0), "ops/s", total,
         f"multiprocessing.Semaphore(2) ({START_METHOD}), {PROCS} processes x {rounds} "
         "acquire()+release() pairs, go to last done")


if __name__ == "__main__":
    run(main, __doc__)
