"""process_start_fork — Python: start + join of a process running a no-op function,
multiprocessing's 'fork' start method. The measurement is common/process_start.py."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import bench_util  # noqa: E402
import process_start  # noqa: E402

if __name__ == "__main__":
    bench_util.run(lambda options: process_start.measure("fork", options), __doc__)
