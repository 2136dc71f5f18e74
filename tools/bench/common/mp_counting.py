"""Two-process counting loops shared by the lock_contended_2p and value_locked_increment
Python contenders: each process does `rounds` of `with lock: v.value += 1` on a
Value('i', lock=False) guarded by `lock`; the parent times go -> both done and checks the
total. The per-acquire waits of the first process give a p99."""
from bench_util import context, now_ns, reap


def _count(lock, v, rounds, ready, go, done, waits):
    ready.put(1)
    go.wait()
    mine = []
    for _ in range(rounds):
        t0 = now_ns()
        lock.acquire()
        t1 = now_ns()
        v.value += 1
        lock.release()
        mine.append((t1 - t0) / 1e3)
    done.put(now_ns())
    waits.put(mine)


def run_two(rounds, lock_of):
    """``lock_of(ctx, v)``: the lock to use. Returns (ops/s, p99 wait of one acquire in us)."""
    ctx = context()
    v = ctx.Value("i", 0, lock=False)
    lock = lock_of(ctx, v)
    ready, done, waits, go = ctx.Queue(), ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=_count, args=(lock, v, rounds, ready, go, done, waits))
             for _ in range(2)]
    for p in procs:
        p.start()
    try:
        for _ in procs:
            ready.get(timeout=30)
        t0 = now_ns()
        go.set()
        t_end = max(done.get(timeout=120) for _ in procs)
        all_waits = [waits.get(timeout=30) for _ in procs]
        for p in procs:
            p.join(timeout=10)
    finally:
        reap(procs)
    if v.value != 2 * rounds:
        raise RuntimeError(f"lost updates: {v.value} of {2 * rounds}")
    waits_us = sorted(all_waits[0])
    p99 = waits_us[min(len(waits_us) - 1, max(0, int(len(waits_us) * 0.99 + 0.999999) - 1))]
    return 2 * rounds * 1e9 / (t_end - t0), p99
