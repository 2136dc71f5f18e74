mpact_add_test(queue_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/queue_test.cpp LABELS unit)
mpact_add_test(queue_process_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/queue_process_test.cpp
               LABELS integration)
mpact_add_test(bounded_queue_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/bounded_queue_test.cpp
               LABELS integration)
