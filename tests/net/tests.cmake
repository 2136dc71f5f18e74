# tcp:// nodes, CURVE and names (issue #16): net_peer is exec'd as a separately started program.
add_executable(net_peer ${CMAKE_CURRENT_LIST_DIR}/net_peer.cpp)
target_link_libraries(net_peer PRIVATE mpact::mpact mpact_build_flags)
mpact_add_test(net_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/net_test.cpp
               ${CMAKE_CURRENT_LIST_DIR}/net_program.cpp LABELS net)
# White-box: the raw ZeroMQ peers build envelopes and derive keys (wire/, net/).
target_link_libraries(net_test PRIVATE mpact_framework_private)
target_compile_definitions(net_test PRIVATE NET_PEER_PATH="$<TARGET_FILE:net_peer>")
add_dependencies(net_test net_peer)
