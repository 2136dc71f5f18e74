"""lock_contended_2p — Python: two processes each loop `with lock: v.value += 1` on a
Value('i', lock=False) guarded by one multiprocessing.Lock. Total ops/s (go -> both done,
total checked) and the p99 and max wait of one acquire."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, emit, run  # noqa: E402
from mp_counting import run_two  # noqa: E402


def main(options):
    rounds = options.pick(100_000, 5_000)
    rate, p99, longest = run_two(rounds, lambda ctx, v: ctx.Lock())
    emit(rate, "ops/s", 2 * rounds,
         f"2 processes ({START_METHOD}) x {rounds} of: Lock.acquire(); v.value += 1 "
         "(Value('i', lock=False)); release()", p99=p99,
         max=longest)


if __name__ == "__main__":
    run(main, __doc__)
