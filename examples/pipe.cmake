mpact_add_example(pipe_sender_receiver EXPECT "Receiver: EOFError, the sender closed the pipe")
mpact_add_example(pipe_list EXPECT "\\['33', 44, None\\]")
