mpact_add_test(process_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/process_test.cpp LABELS unit)
add_executable(process_parent_helper ${CMAKE_CURRENT_LIST_DIR}/process_parent_helper.cpp)
target_link_libraries(process_parent_helper PRIVATE mpact::mpact mpact_build_flags)
mpact_add_test(process_integration_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/process_integration_test.cpp
               LABELS integration)
target_compile_definitions(process_integration_test PRIVATE
  MPACT_PARENT_HELPER="$<TARGET_FILE:process_parent_helper>")
add_dependencies(process_integration_test process_parent_helper)
mpact_add_test(descriptors_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/descriptors_test.cpp LABELS integration)
mpact_add_test(process_lifetime_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/process_lifetime_test.cpp
               LABELS integration)
target_link_libraries(process_lifetime_test PRIVATE mpact_framework_private)
add_executable(no_init_helper ${CMAKE_CURRENT_LIST_DIR}/no_init_helper.cpp)
target_link_libraries(no_init_helper PRIVATE mpact::mpact mpact_build_flags)
mpact_add_test(no_init_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/no_init_test.cpp LABELS integration
               TIMEOUT 200)
target_compile_definitions(no_init_test PRIVATE MPACT_NO_INIT_HELPER="$<TARGET_FILE:no_init_helper>")
add_dependencies(no_init_test no_init_helper)
