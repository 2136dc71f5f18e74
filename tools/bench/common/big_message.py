"""The Python contender of queue_64mib and pipe_64mib: one 64 MiB bytes object from the
parent to a child process through a multiprocessing.Queue or Pipe.

The parent stamps before put()/send(); the child stamps when get()/recv() returns and
sends the stamp back (one CLOCK_MONOTONIC for both). Median of a few transfers, in GB/s
(1e9 bytes/s), pickling included, as a user pays it."""

from bench_util import START_METHOD, context, emit, median, now_ns

SIZE = 64 << 20


def _queue_receiver(queue, stamps):
    while True:
        data = queue.get()
        stamp = now_ns()
        if data is None:
            return
        if len(data) != SIZE:
            raise RuntimeError(f"got {len(data)} bytes")
        stamps.send(stamp)


def _pipe_receiver(conn):
    while True:
        data = conn.recv()
        stamp = now_ns()
        if data is None:
            return
        if len(data) != SIZE:
            raise RuntimeError(f"got {len(data)} bytes")
        conn.send(stamp)


def measure(options, via):
    """``via`` is "queue" or "pipe"."""
    reps = options.pick(5, 2)
    ctx = context()
    if via == "queue":
        queue = ctx.Queue()
        stamps, child_stamps = ctx.Pipe()
        child = ctx.Process(target=_queue_receiver, args=(queue, child_stamps))
        send, recv_stamp = queue.put, stamps.recv
        what = "multiprocessing.Queue put()/get()"
    else:
        here, there = ctx.Pipe()
        child = ctx.Process(target=_pipe_receiver, args=(there,))
        send, recv_stamp = here.send, here.recv
        what = "multiprocessing.Pipe() send()/recv()"
    payload = b"x" * SIZE
    child.start()
    try:
        rates = []
        for i in range(1 + reps):  # the first transfer warms up the child
            t0 = now_ns()
            send(payload)
            t1 = recv_stamp()
            if i > 0:
                rates.append(SIZE / (t1 - t0))
        send(None)
        child.join(timeout=30)
    finally:
        if child.is_alive():
            child.kill()
            child.join()
    emit(median(rates), "GB/s", reps,
         f"{what} of one 64 MiB bytes object to a child ({START_METHOD}), pickling "
         "included, send start to receive complete; median of transfers")
