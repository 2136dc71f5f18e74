mpact_add_test(sync_lock_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/sync_lock_test.cpp LABELS unit)
target_include_directories(sync_lock_test PRIVATE ${PROJECT_SOURCE_DIR}/actors/sync)
mpact_add_test(sync_wait_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/sync_wait_test.cpp LABELS unit)
# 120 s: the slowest case takes 18 s under TSan; a hang (see kManyChildren) costs less.
mpact_add_test(sync_process_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/sync_process_test.cpp
               LABELS integration TIMEOUT 120)
mpact_add_test(sync_chaos_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/sync_chaos_test.cpp
               LABELS chaos)
mpact_add_test(sync_lifetime_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/sync_lifetime_test.cpp
               LABELS integration)
mpact_add_test(sync_value_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/sync_value_test.cpp LABELS unit)
target_include_directories(sync_value_test PRIVATE ${PROJECT_SOURCE_DIR}/actors/sync)
mpact_add_test(sync_value_process_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/sync_value_process_test.cpp
               LABELS integration TIMEOUT 120)
mpact_add_test(sync_lease_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/sync_lease_test.cpp
               LABELS integration TIMEOUT 120)
target_include_directories(sync_lease_test PRIVATE ${PROJECT_SOURCE_DIR}/actors/sync)
