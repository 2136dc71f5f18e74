mpact_add_example(supervised_service EXPECT "restarts = 2")
