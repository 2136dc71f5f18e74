"""queue_4to4_int — Python: multiprocessing.Queue, 4 producer process(es) -> 4 consumer
process(es), items of kind 'int'. The measurement is common/mp_queue.py."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import bench_util  # noqa: E402
import mp_queue  # noqa: E402

if __name__ == "__main__":
    bench_util.run(lambda options: mp_queue.measure(options, producers=4, consumers=4,
                                                    kind="int", items=(400_000, 20_000)),
                   __doc__)
