"""What every Python contender of mpact-bench shares (stdlib only).

The command line (``--quick``), one clock, median/p99 and the single JSON result line,
mirroring common/bench_util.hpp. The contract with the driver (mpact_bench.py)::

    argv: [--quick]        stdout: exactly one line
    {"value": <number>, "unit": "<unit>", "n": <iterations>, "note": "...", <extra numbers>}
    exit status 0 on success; diagnostics go to stderr.

A contender imports this module after putting ``../common`` on ``sys.path``::

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
"""

import argparse
import json
import math
import multiprocessing
import platform
import statistics
import sys
import time

# Every contender that does not measure a start method starts its peers with "fork"
# (Linux's default up to Python 3.13), so figures do not move when the default changes.
START_METHOD = "fork"


class Options:
    """Parsed command line: ``quick`` and ``pick(full, small)``."""

    def __init__(self, quick):
        self.quick = quick

    def pick(self, full, small):
        """``full`` normally, ``small`` under --quick (a smoke run, not a measurement)."""
        return small if self.quick else full


def parse_options(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true",
                        help="fewer iterations: a smoke run for CI, not a measurement")
    return Options(parser.parse_args().quick)


def now_ns():
    """CLOCK_MONOTONIC in ns: one timeline for every process on the machine (the C++
    contenders read the same clock), so stamps from two processes can be compared."""
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def median(xs):
    if not xs:
        raise ValueError("median of an empty sample")
    return statistics.median(xs)


def percentile(xs, q):
    """The q-quantile (0..1) by nearest rank, as common/bench_util.hpp computes it."""
    if not xs:
        raise ValueError("percentile of an empty sample")
    ordered = sorted(xs)
    rank = min(max(math.ceil(q * len(ordered)), 1), len(ordered))
    return ordered[rank - 1]


def context(method=START_METHOD):
    """The multiprocessing context a contender uses (explicit, never the default)."""
    return multiprocessing.get_context(method)


def python_version():
    return f"{platform.python_implementation()} {platform.python_version()}"


def emit(value, unit, n, note, **extra):
    """Prints the result as one JSON line on stdout. ``python`` (the interpreter version)
    is added to every line so a figure says which Python it measured."""
    line = {"value": float(f"{value:.6g}"), "unit": unit, "n": int(n), "note": note}
    line.update({k: float(f"{v:.6g}") for k, v in extra.items()})
    line["python"] = python_version()
    print(json.dumps(line), flush=True)


def reap(procs):
    """Kills and joins whichever of ``procs`` still run (a contender's ``finally``)."""
    for p in procs:
        if p.is_alive():
            p.kill()
            p.join()


def _party(body, args, ready, go, done):
    ready.put(1)
    go.wait()
    result = body(*args)
    done.put((now_ns(), result))


def timed_parties(ctx, n, body, *args):
    """Runs ``body(*args)`` in ``n`` child processes of ``ctx``, released together once all
    are ready. Returns (ns from the release to the last one done, each body's result in the
    order they finished)."""
    ready, done, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=_party, args=(body, args, ready, go, done)) for _ in range(n)]
    for p in procs:
        p.start()
    try:
        for _ in procs:
            ready.get(timeout=30)
        t0 = now_ns()
        go.set()
        ends = [done.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(timeout=10)
    finally:
        reap(procs)
    return max(t for t, _ in ends) - t0, [result for _, result in ends]


def run(main, description):
    """Runs ``main(options)``; an exception becomes a message on stderr and exit status 1,
    so the driver sees a failure rather than a number."""
    options = parse_options(description)
    try:
        main(options)
    except Exception as exc:  # report any failure as a failed contender
        print(f"{sys.argv[0]}: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
