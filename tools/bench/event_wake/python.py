"""event_wake — Python: set() of a multiprocessing.Event until a waiter in another process
returns from wait(), in microseconds (stamps on one monotonic clock). Each round: the parent
stamps and sets `ping`; the child wakes, stamps, clears `ping` and sets `ack`; the parent waits
for `ack` and clears it. Median and p99."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from bench_util import START_METHOD, context, emit, median, now_ns, percentile, reap, run  # noqa: E402


def waiter(ping, ack, rounds, stamps):
    woke = []
    for _ in range(rounds):
        ping.wait()
        woke.append(now_ns())
        ping.clear()
        ack.set()
    stamps.put(woke)


def main(options):
    warmup, n = options.pick(200, 50), options.pick(5000, 300)
    ctx = context()
    ping, ack, stamps = ctx.Event(), ctx.Event(), ctx.Queue()
    child = ctx.Process(target=waiter, args=(ping, ack, warmup + n, stamps))
    child.start()
    try:
        sets = []
        for _ in range(warmup + n):
            sets.append(now_ns())
            ping.set()
            if not ack.wait(timeout=30):
                raise RuntimeError("the waiter did not answer")
            ack.clear()
        woke = stamps.get(timeout=30)
        child.join(timeout=10)
    finally:
        reap([child])
    us = [(w - s) / 1e3 for s, w in list(zip(sets, woke))[warmup:]]
    emit(median(us), "us", n,
         f"multiprocessing.Event ({START_METHOD}): set() in the parent until wait() returns in a "
         "child; median", p99=percentile(us, 0.99))


if __name__ == "__main__":
    run(main, __doc__)
