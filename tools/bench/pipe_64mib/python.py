"""pipe_64mib — Python: one 64 MiB bytes object through a multiprocessing.Pipe() to another
process, in GB/s. The measurement is common/big_message.py."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import bench_util  # noqa: E402
import big_message  # noqa: E402

if __name__ == "__main__":
    bench_util.run(lambda options: big_message.measure(options, via="pipe"), __doc__)
