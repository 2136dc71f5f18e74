"""value_locked_increment — Python: two processes each loop `with v.get_lock(): v.value += 1`
on one Value('i') (its own RLock). Total ops/s, go -> both done, total checked. Also the peer
of value_add_oneway."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, emit, run  # noqa: E402
from mp_counting import run_two  # noqa: E402


def main(options):
    rounds = options.pick(100_000, 5_000)
    # Value('i', lock=False) plus an RLock is what Value('i') is: the same work as
    # `with v.get_lock(): v.value += 1`.
    rate, _, _ = run_two(rounds, lambda ctx, v: ctx.RLock())
    emit(rate, "ops/s", 2 * rounds,
         f"2 processes ({START_METHOD}) x {rounds} of: with v.get_lock(): v.value += 1")


if __name__ == "__main__":
    run(main, __doc__)
