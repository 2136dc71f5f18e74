mpact_add_example(listener_python_peer EXPECT "C\\+\\+ got from Python: b'pong: ping from C\\+\\+'")
