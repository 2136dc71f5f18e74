mpact_add_test(pool_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/pool_test.cpp LABELS unit)
mpact_add_test(pool_chaos_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/pool_chaos_test.cpp LABELS chaos)
mpact_add_test(supervisor_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/supervisor_test.cpp LABELS unit)
