mpact_add_example(queue_producer_consumer EXPECT "Consumer got DONE")
mpact_add_example(queue_join_before_get EXPECT "joined the child first, then got 1000000 bytes")
mpact_add_example(queue_list_value EXPECT "\\[42, None, 'hello'\\]")
mpact_add_example(joinable_queue_workers EXPECT "all tasks done; sum of squares 285")
