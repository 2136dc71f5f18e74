"""queue_bounded_int — Python: multiprocessing.Queue(maxsize=1000), 1 producer process -> 1
consumer process, items of kind 'int'. The measurement is common/mp_queue.py."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import bench_util  # noqa: E402
import mp_queue  # noqa: E402

if __name__ == "__main__":
    bench_util.run(lambda options: mp_queue.measure(options, producers=1, consumers=1,
                                                    kind="int", items=(400_000, 20_000),
                                                    maxsize=1000),
                   __doc__)
