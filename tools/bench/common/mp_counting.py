"""Two-process counting loops shared by the lock_contended_2p and value_locked_increment
Python contenders: each process does `rounds` of `with lock: v.value += 1` on a
Value('i', lock=False) guarded by `lock`; the parent times go -> both done and checks the
total. The per-acquire waits of the first process done give a p99."""
from bench_util import context, now_ns, percentile, timed_parties


def _count(lock, v, rounds):
    waits = []
    for _ in range(rounds):
        t0 = now_ns()
        lock.acquire()
        t1 = now_ns()
        v.value += 1
        lock.release()
        waits.append((t1 - t0) / 1e3)
    return waits


def run_two(rounds, lock_of):
    """``lock_of(ctx, v)``: the lock to use. Returns (ops/s, p99 and max wait of one acquire in us, of the first party; the max
    leaves out its first acquire, as the mpact contender does)."""
    ctx = context()
    v = ctx.Value("i", 0, lock=False)
    elapsed_ns, waits = timed_parties(ctx, 2, _count, lock_of(ctx, v), v, rounds)
    if v.value != 2 * rounds:
        raise RuntimeError(f"lost updates: {v.value} of {2 * rounds}")
    return 2 * rounds * 1e9 / elapsed_ns, percentile(waits[0], 0.99), max(waits[0][1:])
