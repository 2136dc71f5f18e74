mpact_add_test(actor_process_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/actor_process_test.cpp
               LABELS integration)
