mpact_add_test(actor_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/actor_test.cpp LABELS unit)
mpact_add_test(codec_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/codec_test.cpp
                              ${CMAKE_CURRENT_LIST_DIR}/task_test.cpp
                              ${CMAKE_CURRENT_LIST_DIR}/batch_test.cpp
                              ${CMAKE_CURRENT_LIST_DIR}/bytes_test.cpp LABELS unit)
