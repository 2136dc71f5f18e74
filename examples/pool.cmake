mpact_add_example(pool_docs EXPECT "We lacked patience and got a multiprocessing.TimeoutError")
mpact_add_example(pool_tour EXPECT "map_async: 0 1 8 27 64")
mpact_add_example(pool_map_vs_process EXPECT "sum of squares 2646700")
