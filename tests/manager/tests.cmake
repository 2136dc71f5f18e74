mpact_add_test(manager_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/manager_test.cpp LABELS unit)
mpact_add_test(manager_process_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/manager_process_test.cpp
               LABELS integration TIMEOUT 120)
