mpact_add_example(value_array_shared EXPECT "^\\[0, -1, -2, -3, -4, -5, -6, -7, -8, -9\\]$")
mpact_add_example(lock_withdraw_deposit EXPECT "^200$")
