"""pool_map_default — Python: pool.map of a trivial function over 200_000 ints, chunksize=None
(None = map's default), on a warm Pool(os.cpu_count()). The measurement is
common/pool_map.py."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import bench_util  # noqa: E402
import pool_map  # noqa: E402

if __name__ == "__main__":
    bench_util.run(lambda options: pool_map.measure(options, tasks=(200_000, 20_000), chunksize=None),
                   __doc__)
