mpact_add_example(process_basic EXPECT "hello bob")
mpact_add_example(process_args EXPECT "Worker 2: c")
mpact_add_example(process_name_pid EXPECT "function f")
mpact_add_example(process_start_methods EXPECT "start method forkserver")
