# A Python client written from docs/protocol.md speaks to a C++ host (issue #12, fault 11):
# requests, a batch, queue credits/puts/gets and malformed frames, so the document stays
# true. Needs Debian's python3-zmq and python3-msgpack (quickstart.sh installs them).
set(MPACT_INTEROP_PYTHON /usr/bin/python3 CACHE FILEPATH
    "Python with pyzmq and msgpack, for the interop test")
add_executable(interop_host ${CMAKE_CURRENT_LIST_DIR}/interop_host.cpp)
target_link_libraries(interop_host PRIVATE mpact::mpact mpact_build_flags)
add_test(NAME "interop: a Python client speaks the documented protocol"
         COMMAND interop_host ${MPACT_INTEROP_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/foreign_client.py)
set_tests_properties("interop: a Python client speaks the documented protocol"
                     PROPERTIES LABELS interop TIMEOUT 300)
