mpact_add_example(counter_service EXPECT "counter = 2000")
