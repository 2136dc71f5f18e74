mpact_add_test(process_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/process_test.cpp LABELS unit)
add_executable(process_parent_helper ${CMAKE_CURRENT_LIST_DIR}/process_parent_helper.cpp)
target_link_libraries(process_parent_helper PRIVATE mpact::mpact mpact_build_flags)
mpact_add_test(process_integration_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/process_integration_test.cpp
               LABELS integration)
target_compile_definitions(process_integration_test PRIVATE
  MPACT_PARENT_HELPER="$<TARGET_FILE:process_parent_helper>")
add_dependencies(process_integration_test process_parent_helper)
mpact_add_test(descriptors_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/descriptors_test.cpp LABELS integration)
