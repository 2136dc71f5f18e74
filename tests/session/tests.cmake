add_executable(resource_helper ${CMAKE_CURRENT_LIST_DIR}/resource_helper.cpp)
target_link_libraries(resource_helper PRIVATE mpact::mpact mpact_build_flags)
target_link_libraries(resource_helper PRIVATE mpact::framework_internal)
mpact_add_test(session_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/session_test.cpp LABELS integration)
target_compile_definitions(session_test PRIVATE
  MPACT_RESOURCE_HELPER="$<TARGET_FILE:resource_helper>")
add_dependencies(session_test resource_helper)
