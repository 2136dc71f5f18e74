# The wire decoders' fuzz target (tests/fuzz/wire_fuzz.cpp). Every build replays the corpus
# as a ctest case; MPACT_BUILD_FUZZERS (clang only) also builds the libFuzzer binary
# wire_fuzz that .ci/run runs for a bounded time.
set(_fuzz_dir ${CMAKE_CURRENT_LIST_DIR})
add_library(mpact_wire_fuzz_target OBJECT ${_fuzz_dir}/wire_fuzz.cpp)
target_link_libraries(mpact_wire_fuzz_target PUBLIC mpact_framework_private
                      PRIVATE mpact_build_flags)
target_include_directories(mpact_wire_fuzz_target PRIVATE ${PROJECT_SOURCE_DIR}/actors/queue)

add_executable(wire_fuzz_replay ${_fuzz_dir}/replay_main.cpp)
target_link_libraries(wire_fuzz_replay PRIVATE mpact_wire_fuzz_target mpact_build_flags)
add_test(NAME wire_fuzz_replay COMMAND wire_fuzz_replay ${_fuzz_dir}/corpus)
set_tests_properties(wire_fuzz_replay PROPERTIES LABELS unit TIMEOUT 120)

add_executable(make_fuzz_seeds ${_fuzz_dir}/make_seeds.cpp)
target_link_libraries(make_fuzz_seeds PRIVATE mpact_framework_private mpact_build_flags)
target_include_directories(make_fuzz_seeds PRIVATE ${PROJECT_SOURCE_DIR}/actors/queue)

if(MPACT_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MPACT_BUILD_FUZZERS needs clang (libFuzzer), not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  add_executable(wire_fuzz ${_fuzz_dir}/wire_fuzz.cpp)
  target_link_libraries(wire_fuzz PRIVATE mpact_framework_private mpact_build_flags)
  target_include_directories(wire_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/actors/queue)
  target_compile_options(wire_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(wire_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
endif()
# Only mpact::framework is linked (the decoders live there; the queue protocol is a header),
# so the fuzz build instruments the framework alone and stays short in CI.
