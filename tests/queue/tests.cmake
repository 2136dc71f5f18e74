mpact_add_test(queue_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/queue_test.cpp LABELS unit)
mpact_add_test(queue_process_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/queue_process_test.cpp
               LABELS integration)
mpact_add_test(bounded_queue_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/bounded_queue_test.cpp
               LABELS integration)
mpact_add_test(credit_ledger_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/credit_ledger_test.cpp
               LABELS unit)
target_include_directories(credit_ledger_test PRIVATE ${PROJECT_SOURCE_DIR}/actors/queue)
mpact_add_test(scratch_full_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/scratch_full_test.cpp
               LABELS integration)
target_compile_definitions(scratch_full_test PRIVATE
  MPACT_RESOURCE_HELPER="$<TARGET_FILE:resource_helper>")
add_dependencies(scratch_full_test resource_helper)
