"""The Python contender of the process_start_* figures: median time to start and join a
process running a no-op function, with one start method (fork, spawn or forkserver)."""

from bench_util import context, emit, median, now_ns, percentile

# Iterations per start method (full, quick): spawn starts a fresh interpreter (~tens of ms).
_ITERATIONS = {"fork": (200, 20), "forkserver": (200, 20), "spawn": (30, 5)}
_WARMUP = 3  # the first forkserver start also starts the server


def noop():
    pass


def measure(method, options):
    ctx = context(method)
    n = options.pick(*_ITERATIONS[method])
    times_ms = []
    for i in range(_WARMUP + n):
        t0 = now_ns()
        p = ctx.Process(target=noop)
        p.start()
        p.join(timeout=30)
        t1 = now_ns()
        if p.exitcode != 0:
            raise RuntimeError(f"{method} child exited with {p.exitcode}")
        if i >= _WARMUP:
            times_ms.append((t1 - t0) / 1e6)
    emit(median(times_ms), "ms", n,
         f"multiprocessing.get_context('{method}').Process(target=noop): start()+join(), median",
         p99=percentile(times_ms, 0.99))
