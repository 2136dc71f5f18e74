"""The Python contender of the queue_* figures: P producer processes put items on one
multiprocessing.Queue, C consumer processes get them.

Timing mirrors common/zmq_relay.hpp: every process waits on a Barrier with the parent, the
parent stamps "go" when it opens, each consumer stamps each item it gets. Rate = items /
(last item received anywhere - go). After the producers have exited (their feeder threads
flushed), the parent puts one None per consumer; None follows every item, so a consumer
that gets it has had all its items and reports (count, last stamp)."""

from bench_util import START_METHOD, context, emit, now_ns

ITEMS = {"int": "small ints", "bytes64": "64-byte bytes objects"}


def _producer(queue, barrier, count, kind):
    payload = bytes(64)
    barrier.wait()
    if kind == "int":
        for i in range(count):
            queue.put(i)
    else:
        for _ in range(count):
            queue.put(payload)


def _consumer(queue, barrier, reports):
    barrier.wait()
    count = last = 0
    while queue.get() is not None:
        count += 1
        last = now_ns()
    reports.put((count, last))


def run_queue(producers, consumers, kind, items, maxsize=0):
    """Moves ``items`` through the queue once; returns items per second."""
    ctx = context()
    queue, reports = ctx.Queue(maxsize), ctx.Queue()
    barrier = ctx.Barrier(producers + consumers + 1)
    shares = [items // producers + (1 if p < items % producers else 0) for p in range(producers)]
    makers = [ctx.Process(target=_producer, args=(queue, barrier, share, kind)) for share in shares]
    takers = [ctx.Process(target=_consumer, args=(queue, barrier, reports))
              for _ in range(consumers)]
    everyone = makers + takers
    try:
        for p in everyone:
            p.start()
        barrier.wait(timeout=30)
        go = now_ns()
        for p in makers:
            p.join(timeout=60)
            if p.exitcode != 0:
                raise RuntimeError(f"producer exited with {p.exitcode}")
        for _ in takers:
            queue.put(None)
        results = [reports.get(timeout=60) for _ in takers]
        for p in takers:
            p.join(timeout=10)
    finally:
        for p in everyone:
            if p.is_alive():
                p.kill()
                p.join()
    total = sum(count for count, _ in results)
    if total != items:
        raise RuntimeError(f"consumers got {total} of {items} items")
    return total * 1e9 / (max(last for _, last in results) - go)


def measure(options, producers, consumers, kind, items, maxsize=0):
    """``items`` is a (full, quick) pair; ``maxsize`` 0 is unbounded."""
    n = options.pick(*items)
    rate = run_queue(producers, consumers, kind, n, maxsize)
    queue = f"multiprocessing.Queue(maxsize={maxsize})" if maxsize else "multiprocessing.Queue"
    emit(rate, "items/s", n,
         f"{queue}, {producers} producer(s) -> {consumers} consumer(s) "
         f"({START_METHOD}), {n} {ITEMS[kind]}, timed from go to last item received")
