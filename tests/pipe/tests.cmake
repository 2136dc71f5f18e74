mpact_add_test(pipe_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/pipe_test.cpp LABELS unit)
mpact_add_test(pipe_process_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/pipe_process_test.cpp
               LABELS integration TIMEOUT 300)
mpact_add_test(pipe_spin_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/pipe_spin_test.cpp LABELS unit)
mpact_add_test(pipe_handover_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/pipe_handover_test.cpp
               LABELS integration TIMEOUT 300)
