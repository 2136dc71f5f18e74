mpact_add_test(actor_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/actor_test.cpp LABELS unit)
mpact_add_test(codec_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/codec_test.cpp
                              ${CMAKE_CURRENT_LIST_DIR}/task_test.cpp
                              ${CMAKE_CURRENT_LIST_DIR}/batch_test.cpp
                              ${CMAKE_CURRENT_LIST_DIR}/bytes_test.cpp LABELS unit)
# White-box tests of the framework's wire formats (wire/envelope.hpp, wire/batch.hpp).
target_link_libraries(codec_test PRIVATE mpact_framework_private)
mpact_add_test(actor_process_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/actor_process_test.cpp
               LABELS integration)
