"""pool_map_chunk1 — Python: pool.map of a trivial function over 20_000 ints, chunksize=1
(None = map's default), on a warm Pool(os.cpu_count()). The measurement is
common/pool_map.py."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import bench_util  # noqa: E402
import pool_map  # noqa: E402

if __name__ == "__main__":
    bench_util.run(lambda options: pool_map.measure(options, tasks=(20_000, 2_000), chunksize=1),
                   __doc__)
