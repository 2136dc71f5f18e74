#!/usr/bin/env python3
"""mpact-bench: runs every figure's contenders side by side, in one run, and prints the
measured values and the ratios mpact/peer, misses included (docs: tools/bench/README.md,
output format: bench-format.md).

A figure lives in tools/bench/<figure>/ with one file per contender:
    python.py     Python's multiprocessing doing the work     -> <bin>/<figure>/python.py
    raw_zmq.cpp   cppzmq doing the same message pattern       -> <bin>/bench_<figure>_raw_zmq
    raw_unix.cpp  the OS floor (a raw Unix socket), some figures -> <bin>/bench_<figure>_raw_unix
    mpact.cpp     mpact doing it                              -> <bin>/bench_<figure>_mpact
Each contender is run as `<program> [--quick]` and prints one JSON line on stdout:
    {"value": <number>, "unit": "<unit>", "n": <iterations>, "note": "...", ...}
A contender that is absent is reported as null, never estimated.
"""

import argparse
import fnmatch
import json
import math
import os
import re
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = ("mpact", "python", "zmq", "unix")


@dataclass(frozen=True)
class Figure:
    """One row of the output. ``python``/``zmq``/``mpact`` name the figure folder whose
    contender measures this figure (None: no such peer); ``field`` is the key of the
    contender's JSON line to report (e.g. "p99" for a tail figure)."""

    name: str
    unit: str
    target: str | None
    about: str
    python: str | None = None
    zmq: str | None = None
    mpact: str | None = None
    field: str = "value"
    unix: str | None = None

    def source(self, kind):
        return {"python": self.python, "zmq": self.zmq, "mpact": self.mpact,
                "unix": self.unix}[kind]


def _figure(name, unit, target, about, python="", zmq=None, mpact="", field="value",
            unix=None):
    # "" means "this figure's own folder".
    return Figure(name, unit, target, about,
                  python=name if python == "" else python,
                  zmq=name if zmq == "" else zmq,
                  mpact=name if mpact == "" else mpact,
                  field=field,
                  unix=name if unix == "" else unix)


# The one table of figures: name, unit, target (from the issues), what it measures, and
# where each contender lives when it is another figure's program.
FIGURES = [
    _figure("process_start_fork", "ms", "<=1x python",
            "start + join of a process running a no-op function, start method fork"),
    _figure("process_start_spawn", "ms", None,
            "start + join of a process running a no-op function, start method spawn"),
    _figure("process_start_forkserver", "ms", "<=1x python",
            "start + join of a process running a no-op function, start method forkserver"),
    _figure("actor_rtt_ipc", "us", "<=0.5x python",
            "median request/reply round trip between two local processes (the fast lane); "
            "unix: raw socketpair ping-pong with the same adaptive spin",
            python="pipe_rtt", zmq="", unix=""),
    _figure("actor_rtt_ipc_p99", "us", None,
            "p99 of actor_rtt_ipc (same runs)",
            python="pipe_rtt", zmq="actor_rtt_ipc", mpact="actor_rtt_ipc", field="p99",
            unix="actor_rtt_ipc"),
    _figure("actor_rtt_tcp", "us", "<=1.5x zmq",
            "median request/reply round trip to an actor of another program over tcp "
            "loopback with CURVE (whereis, keys from the authkey); zmq: PAIR with CURVE; "
            "python: Listener/Client over tcp with an authkey (no encryption)",
            python="listener_rtt", zmq=""),
    _figure("actor_rtt_tcp_p99", "us", None, "p99 of actor_rtt_tcp (same runs)",
            python="listener_rtt", zmq="actor_rtt_tcp", mpact="actor_rtt_tcp", field="p99"),
    _figure("actor_rtt_ipc_nospin", "us", None,
            "actor_rtt_ipc with the process-wide spin off (init {.spin = 0us}); unix: the "
            "blocking socketpair ping-pong", python="pipe_rtt", zmq="actor_rtt_ipc", unix=""),
    _figure("actor_oneway_ipc", "msgs/s", ">=0.5x zmq",
            "one-way small-message throughput between two processes, counted at the receiver",
            zmq=""),
    _figure("pipe_rtt", "us", "<=1x python",
            "median Pipe round trip of a small value between two processes",
            zmq="actor_rtt_ipc"),
    _figure("pipe_rtt_p99", "us", None,
            "p99 of pipe_rtt (same runs)",
            python="pipe_rtt", zmq="actor_rtt_ipc", mpact="pipe_rtt", field="p99"),
    _figure("listener_rtt", "us", "<=1x python",
            "median send_bytes/recv_bytes round trip over Listener/Client (tcp loopback, "
            "authkey), Python's wire form on both sides", zmq=None),
    _figure("listener_rtt_p99", "us", None,
            "p99 of listener_rtt (same runs)",
            python="listener_rtt", zmq=None, mpact="listener_rtt", field="p99"),
    _figure("pipe_rtt_block", "us", None,
            "pipe_rtt with the busy-poll off, mpact::pipe({.spin = 0us}), as Python's "
            "receives; peers as pipe_rtt",
            python="pipe_rtt", zmq="actor_rtt_ipc"),
    _figure("pipe_rtt_block_p99", "us", None,
            "p99 of pipe_rtt_block (same runs)",
            python="pipe_rtt", zmq="actor_rtt_ipc", mpact="pipe_rtt_block", field="p99"),
    _figure("queue_1to1_int", "items/s", ">=10x python",
            "Queue, 1 producer process -> 1 consumer process, int items", zmq=""),
    _figure("queue_1to1_64b", "items/s", ">=10x python",
            "Queue, 1 producer process -> 1 consumer process, 64-byte items", zmq=""),
    _figure("queue_4to4_int", "items/s", ">=10x python",
            "Queue, 4 producer processes -> 4 consumer processes, int items", zmq=""),
    _figure("queue_bounded_int", "items/s", ">=10x python",
            "Queue(maxsize=1000), 1 producer process -> 1 consumer process, int items"),
    _figure("queue_64mib", "GB/s", ">=5x python",
            "one 64 MiB bytes object through a Queue to another process (mpact::Bytes)",
            zmq="pipe_64mib"),
    _figure("queue_64mib_string", "GB/s", None,
            "queue_64mib received as a std::string (fresh memory each get); peers as "
            "queue_64mib", python="queue_64mib", zmq="pipe_64mib"),
    _figure("pipe_64mib", "GB/s", ">=5x python",
            "one 64 MiB bytes object through a Pipe to another process (mpact::Bytes)", zmq=""),
    _figure("pipe_64mib_vector", "GB/s", None,
            "pipe_64mib received as a std::vector<char> (fresh memory each recv); peers as "
            "pipe_64mib", python="pipe_64mib", zmq="pipe_64mib"),
    _figure("pool_map_default", "tasks/s", ">=3x python",
            "Pool(cpu_count).map of a trivial function over 200,000 ints, default chunksize"),
    _figure("pool_map_chunk1", "tasks/s", ">=10x python",
            "Pool(cpu_count).map of a trivial function over 20,000 ints, chunksize 1"),
    _figure("apply_async_rtt", "us", "<=0.5x python",
            "median sequential apply_async(f, (i,)).get() round trip on a warm Pool",
            zmq="actor_rtt_ipc"),
    _figure("imap_unordered", "tasks/s", ">=3x python",
            "Pool(cpu_count).imap_unordered over 100,000 trivial tasks"),
    _figure("pool_rss", "MiB", "<=1x python",
            "the parent's peak RSS over Pool(cpu_count).imap_unordered of 300,000 trivial "
            "tasks, chunksize 1 (VmRSS per 10% consumed in the note)"),
    _figure("pool_rss_3m", "MiB", None,
            "pool_rss with 3,000,000 tasks, mpact alone: flat in the input's length (issue #17)",
            python=None),
    _figure("executor_submit", "tasks/s", ">=10x python",
            "ProcessPoolExecutor(cpu_count): 10,000 trivial tasks submitted, then every "
            "result collected (issue #17)"),
    _figure("imap_infinite", "tasks/s", None,
            "Pool(cpu_count).imap over an endless input (iota / itertools.count()), chunksize "
            "1, stopped after 100,000 results (issue #17)"),
    _figure("task_timeout_lag", "ms", None,
            "a stuck task's TimeoutError after its 100 ms per-task deadline, Pool(1), median "
            "(issue #17; Python's Pool has no per-task timeout)", python=None),
    _figure("task_timeout_replace", "ms", None,
            "from that TimeoutError until the next apply() has run on the replacement worker",
            python=None, mpact="task_timeout_lag", field="replace"),
    _figure("lock_uncontended", "ops/s", ">=0.5x python",
            "acquire+release pairs of a Lock in one process, nobody else wanting it"),
    _figure("semaphore_4p", "ops/s", None,
            "4 processes each looping acquire+release on one Semaphore(2), total pairs/s"),
    _figure("event_wake", "us", None,
            "median set() until a waiter in another process returns from wait() (issue #14: "
            "<=1.5x actor_rtt_ipc)"),
    _figure("event_wake_p99", "us", None, "p99 of event_wake (same runs)",
            python="event_wake", mpact="event_wake", field="p99"),
    _figure("barrier_3p", "us", None,
            "mean cycle of a Barrier(3) passed by 3 processes"),
    _figure("lock_contended_2p", "ops/s", ">=0.5x python",
            "2 processes each looping acquire -> increment a lock-free Value -> release (the "
            "p99 and max wait of one acquire: the two figures below)"),
    _figure("lock_contended_2p_wait_p99", "us", None,
            "p99 wait of one lock() in lock_contended_2p (same runs)",
            python="lock_contended_2p", mpact="lock_contended_2p", field="p99"),
    _figure("lock_contended_2p_wait_max", "us", None,
            "longest wait of one lock() in lock_contended_2p but the first (same runs): a "
            "lease's burst bound (64 acquires or 100 us) shows here",
            python="lock_contended_2p", mpact="lock_contended_2p", field="max"),
    _figure("value_fetch_add", "us", None,
            "median atomic increment of a Value from a child (mpact: fetch_add; Python: "
            "with v.get_lock(): v.value += 1) (issue #14: <=1.5x actor_rtt_ipc)"),
    _figure("value_add_oneway", "ops/s", ">=1x python",
            "2 processes sending one-way add(1) to a Value until the exact total is seen; "
            "Python: its 2-process locked increment", python="value_locked_increment"),
    _figure("value_locked_increment", "ops/s", ">=0.5x python",
            "2 processes each looping: with v.get_lock(): v.value += 1"),
    _figure("manager_dict_setget", "us", "<=0.25x python",
            "median d[k] = i; d[k] pair on a Manager dict (mpact: one-way set + one round trip)"),
    _figure("manager_dict_update_1k", "us", None,
            "median d.update() of 1,000 int pairs on a Manager dict, one message each side"),
    _figure("manager_list_append", "ops/s", None,
            "l.append(i) on a Manager list, N times, then len(l) (mpact: one-way appends)"),
]

TARGET_RE = re.compile(r"^\s*(<=|>=|<|>)\s*([0-9]*\.?[0-9]+)\s*x\s+(python|zmq)\s*$")


def log(message):
    print(message, file=sys.stderr, flush=True)


def default_python():
    return "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable


def program(kind, folder, bin_dir, python):
    """The command line of a contender, or (None, reason) when it does not exist."""
    if kind == "python":
        path = os.path.join(bin_dir, folder, "python.py")
        return ([python, path], None) if os.path.isfile(path) else (None, f"no {folder}/python.py")
    suffix = {"zmq": "raw_zmq", "unix": "raw_unix"}.get(kind, "mpact")
    path = os.path.join(bin_dir, f"bench_{folder}_{suffix}")
    if os.access(path, os.X_OK):
        return [path], None
    return None, f"no bench_{folder}_{suffix} in {bin_dir} (no {folder}/{suffix}.cpp, or not built)"


def _group_members(pgid):
    """Live (non-zombie) processes of a process group, from /proc."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # state ppid pgrp ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


def _reap_group(pgid, label):
    """Gives what a contender left behind 2 s to exit, then kills it (and says so)."""
    deadline = time.monotonic() + 2.0
    while _group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _group_members(pgid)
    if left:
        log(f"  {label}: left processes {left} behind; killing them")
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run_contender(cmd, label, quick, timeout):
    """Runs one contender in its own process group; returns its parsed JSON line or None
    (the reason goes to stderr). Whatever it leaves behind is killed."""
    argv = cmd + (["--quick"] if quick else [])
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        exited = proc.poll() is not None
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        if exited:
            log(f"  {label}: exited, but left processes holding its stdout after {timeout:.0f} s;"
                " killed them")
        else:
            log(f"  {label}: killed after {timeout:.0f} s time limit")
        return None
    finally:
        _reap_group(proc.pid, label)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        why = (err.strip().splitlines() or ["no message"])[-1]
        log(f"  {label}: failed (exit {proc.returncode}): {why}")
        return None
    lines = [line for line in out.splitlines() if line.strip()]
    try:
        result = json.loads(lines[-1])
        float(result["value"])
    except (IndexError, ValueError, KeyError, TypeError):
        log(f"  {label}: no JSON result line on stdout: {out.strip()[-200:]!r}")
        return None
    log(f"  {label}: {result['value']:.6g} {result.get('unit', '?')} ({elapsed:.1f} s)")
    return result


def evaluate(target, ratios):
    """met for a target like '>=10x python' given {'python': r, 'zmq': r}; None when the
    target is absent, unparsable or its ratio was not measured."""
    if not target:
        return None
    m = TARGET_RE.match(target)
    if not m:
        return None
    op, factor, peer = m.group(1), float(m.group(2)), m.group(3)
    ratio = ratios.get(peer)
    if ratio is None:
        return None
    return {"<=": ratio <= factor, ">=": ratio >= factor,
            "<": ratio < factor, ">": ratio > factor}[op]


def significant(x, digits=4):
    if x is None or x == 0 or not math.isfinite(x):
        return x
    value = round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))
    return int(value) if value == int(value) and abs(value) >= 10 ** (digits - 1) else value


def select(patterns):
    if not patterns:
        return list(FIGURES)
    chosen = [f for f in FIGURES if any(fnmatch.fnmatchcase(f.name, p) for p in patterns)]
    unmatched = [p for p in patterns
                 if not any(fnmatch.fnmatchcase(f.name, p) for f in FIGURES)]
    if unmatched:
        raise SystemExit(f"mpact-bench: no figure matches {', '.join(unmatched)} (see --list)")
    return chosen


def measure(figures, args):
    """Runs every contender the figures need, K times each, interleaved (round r runs every
    contender once), and returns {(kind, folder): [results]}. A program several figures
    share (e.g. the PAIR round trip) runs once per round."""
    needed = []
    for fig in figures:
        for kind in KINDS:
            key = (kind, fig.source(kind))
            if key[1] is not None and key not in needed:
                needed.append(key)
    commands, results, absent = {}, {}, {}
    for key in needed:
        cmd, why = program(key[0], key[1], args.bin_dir, args.python)
        if cmd is None:
            absent.setdefault(key[0], []).append(key[1])
            if key[0] != "mpact":  # mpact's absences are listed together below
                log(f"{key[0]:>6} {key[1]}: absent: {why}")
        commands[key] = cmd
        results[key] = []
    if absent.get("mpact"):
        log(f" mpact: absent for {', '.join(absent['mpact'])} (no bench_<figure>_mpact in "
            f"{args.bin_dir}: <figure>/mpact.cpp not written yet, or not built)")
    for r in range(args.repeat):
        if args.repeat > 1:
            log(f"round {r + 1}/{args.repeat}")
        for key in needed:
            if commands[key] is not None:
                label = f"{key[0]:>6} {key[1]}"
                results[key].append(run_contender(commands[key], label, args.quick,
                                                  args.timeout))
    return commands, results


def row(fig, commands, results):
    """The bench-format.md object for one figure; a failed run makes the value null."""
    values = {}
    for kind in KINDS:
        key = (kind, fig.source(kind))
        runs = results.get(key, [])
        if key[1] is None or commands.get(key) is None or not runs:
            values[kind] = None
            continue
        if any(r is None for r in runs):
            log(f"{fig.name}: {kind} failed in {sum(r is None for r in runs)} of {len(runs)} runs")
            values[kind] = None
            continue
        # A field figure (a p99, a max wait) may have a unit other than its run's value.
        if fig.field == "value" and any(r.get("unit") != fig.unit for r in runs):
            log(f"{fig.name}: {kind} reported unit {runs[0].get('unit')!r}, expected {fig.unit!r}")
            values[kind] = None
            continue
        samples = [r.get(fig.field) for r in runs]
        if any(not isinstance(s, (int, float)) for s in samples):
            log(f"{fig.name}: {kind} did not report '{fig.field}'")
            values[kind] = None
            continue
        values[kind] = statistics.median(samples)
    ratios = {}
    for peer in ("python", "zmq", "unix"):
        ok = values["mpact"] is not None and values[peer]
        ratios[peer] = values["mpact"] / values[peer] if ok else None
    return {
        "figure": fig.name,
        "unit": fig.unit,
        "mpact": significant(values["mpact"]),
        "python": significant(values["python"]),
        "zmq": significant(values["zmq"]),
        "unix": significant(values["unix"]),
        "ratio_python": significant(ratios["python"], 3),
        "ratio_zmq": significant(ratios["zmq"], 3),
        "ratio_unix": significant(ratios["unix"], 3),
        "target": fig.target,
        "met": evaluate(fig.target, ratios),
    }


def fmt(x):
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "MISS"
    if isinstance(x, str):
        return x
    if abs(x) >= 1e4:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def table(rows, out):
    header = ["figure", "unit", "mpact", "python", "zmq", "unix", "mpact/py", "mpact/zmq",
              "mpact/unix", "target", "met"]
    cells = [[r["figure"], r["unit"], fmt(r["mpact"]), fmt(r["python"]), fmt(r["zmq"]),
              fmt(r["unix"]), fmt(r["ratio_python"]), fmt(r["ratio_zmq"]),
              fmt(r["ratio_unix"]), fmt(r["target"]),
              "-" if r["met"] is None else fmt(r["met"])] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(header)]
    numeric = {2, 3, 4, 5, 6, 7, 8}

    def line(cs):
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cs, widths))).rstrip()

    print(line(header), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for c in cells:
        print(line(c), file=out)


def list_figures(bin_dir, python):
    for fig in FIGURES:
        have = []
        for kind in KINDS:
            folder = fig.source(kind)
            if folder is None:
                continue
            cmd, _ = program(kind, folder, bin_dir, python)
            shared = "" if folder == fig.name else f"<{folder}"
            have.append(f"{kind}{shared}{'' if cmd else ' (absent)'}")
        extra = f", field {fig.field}" if fig.field != "value" else ""
        print(f"{fig.name:26} {fig.unit:8} {fig.target or 'no target':14} "
              f"{', '.join(have)}{extra}\n{'':26} {fig.about}")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="mpact-bench",
        description="Run mpact, Python multiprocessing and raw ZeroMQ side by side; print "
                    "values and ratios mpact/peer.")
    parser.add_argument("--figure", action="append", metavar="NAME",
                        help="figure name or glob (repeatable); default: all")
    parser.add_argument("--list", action="store_true", help="list figures and contenders")
    parser.add_argument("--json", action="store_true",
                        help="one JSON object per figure on stdout (the table goes to stderr)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer iterations in every contender (CI smoke, not a measurement)")
    parser.add_argument("--repeat", type=int, default=None, metavar="K",
                        help="run each contender K times, report the median "
                             "(default 3, or 1 with --quick)")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S",
                        help="kill a contender after S seconds (default 60)")
    parser.add_argument("--bin-dir", default=HERE,
                        help="where contenders are (default: this script's directory)")
    parser.add_argument("--python", default=default_python(),
                        help="interpreter for the Python contenders (default /usr/bin/python3)")
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.list:
        list_figures(args.bin_dir, args.python)
        return 0
    figures = select(args.figure)
    version = subprocess.run([args.python, "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True).stdout.strip() or "unknown"
    log(f"mpact-bench: {len(figures)} figure(s), Python {version} ({args.python}), "
        f"{os.cpu_count()} CPUs, repeat {args.repeat}{', quick' if args.quick else ''}")
    started = time.monotonic()
    commands, results = measure(figures, args)
    rows = [row(fig, commands, results) for fig in figures]
    log(f"mpact-bench: done in {time.monotonic() - started:.0f} s")
    if args.json:
        for r in rows:
            print(json.dumps(r), flush=True)
        table(rows, sys.stderr)
    else:
        table(rows, sys.stdout)
    failed = any(r is None for key, runs in results.items() if commands[key] for r in runs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
