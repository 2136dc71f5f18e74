mpact_add_example(pool_docs EXPECT "We lacked patience and got a multiprocessing.TimeoutError")
mpact_add_example(pool_tour EXPECT "map_async: 0 1 8 27 64")
