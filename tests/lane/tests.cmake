mpact_add_test(lane_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/lane_test.cpp LABELS integration)
# White-box: they write raw lane frames and hellos (transport/lane.hpp).
target_link_libraries(lane_test PRIVATE mpact_framework_private)
mpact_add_test(lane_io_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/lane_io_test.cpp LABELS integration)
mpact_add_test(lane_refusal_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/lane_refusal_test.cpp
               LABELS integration)
target_link_libraries(lane_refusal_test PRIVATE mpact_framework_private)
