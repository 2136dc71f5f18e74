mpact_add_test(listener_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/listener_test.cpp LABELS unit)
mpact_add_test(listener_python_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/listener_python_test.cpp
               LABELS interop)
