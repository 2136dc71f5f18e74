mpact_add_example(manager_dict_list EXPECT "^\\[9, 8, 7, 6, 5, 4, 3, 2, 1, 0\\]$")
