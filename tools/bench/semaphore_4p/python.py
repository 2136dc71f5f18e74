"""semaphore_4p — Python: 4 processes each loop acquire() + release() on one
multiprocessing.Semaphore(2). Total pairs per second, from go to the last process done."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, run, timed_parties  # noqa: E402

PROCS = 4


def worker(sem, rounds):
    for _ in range(rounds):
        sem.acquire()
        sem.release()


def main(options):
    rounds = options.pick(50_000, 2_000)
    ctx = context()
    elapsed_ns, _ = timed_parties(ctx, PROCS, worker, ctx.Semaphore(2), rounds)
    total = rounds * PROCS
    emit(total * 1e9 / elapsed_ns, "ops/s", total,
         f"multiprocessing.Semaphore(2) ({START_METHOD}), {PROCS} processes x {rounds} "
         "acquire()+release() pairs, go to last done")


if __name__ == "__main__":
    run(main, __doc__)
