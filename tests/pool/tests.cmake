mpact_add_test(pool_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/pool_test.cpp LABELS unit)
mpact_add_test(pool_timeout_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/pool_timeout_test.cpp LABELS integration)
mpact_add_test(pool_chaos_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/pool_chaos_test.cpp LABELS chaos)
# Lazy, bounded imap input (issue #17 point 3).
mpact_add_test(pool_lazy_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/pool_lazy_test.cpp LABELS integration)
# Scale points of issue #3 (1,000,000 tasks, 64 workers, flat parent memory). Under the
# sanitizers the task counts are divided by 10 (same checks, smaller sizes) so each case
# stays well under a minute on a loaded 2-core machine.
mpact_add_test(pool_scale_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/pool_scale_test.cpp LABELS integration TIMEOUT 300)
if(MPACT_SANITIZE)
  target_compile_definitions(pool_scale_test PRIVATE MPACT_SCALE_DIVISOR=10)
endif()
# Compile-time argument checks: this source must fail to build, with pool.hpp's message.
add_library(pool_compile_fail_apply_tuple OBJECT EXCLUDE_FROM_ALL
            ${CMAKE_CURRENT_LIST_DIR}/compile_fail/apply_tuple.cpp)
target_link_libraries(pool_compile_fail_apply_tuple PRIVATE mpact::mpact mpact_build_flags)
add_test(NAME pool_compile_fail_apply_tuple
         COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target pool_compile_fail_apply_tuple)
set_tests_properties(pool_compile_fail_apply_tuple PROPERTIES
  LABELS unit TIMEOUT 300
  PASS_REGULAR_EXPRESSION "Pool::apply: the task cannot be called with these arguments")
# Exit and interrupt policies (issue #17 point 5): the helper runs in a process group of its
# own so the test can send it a terminal's SIGINT.
add_executable(pool_signal_helper ${CMAKE_CURRENT_LIST_DIR}/pool_signal_helper.cpp)
target_link_libraries(pool_signal_helper PRIVATE mpact::mpact mpact_build_flags)
mpact_add_test(pool_exit_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/pool_exit_test.cpp LABELS integration)
target_compile_definitions(pool_exit_test PRIVATE
  MPACT_POOL_SIGNAL_HELPER="$<TARGET_FILE:pool_signal_helper>")
add_dependencies(pool_exit_test pool_signal_helper)
# The Executor facade over the Pool (issue #17 point 4).
mpact_add_test(executor_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/executor_test.cpp LABELS integration)
