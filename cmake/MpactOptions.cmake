# Warnings and sanitizers, applied through one interface target so they never leak into
# the installed package's usage requirements.
add_library(mpact_build_flags INTERFACE)
target_compile_options(mpact_build_flags INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused
                       -Woverloaded-virtual -Wno-missing-field-initializers)
if(MPACT_SANITIZE)
  string(REPLACE ";" "," _mpact_san "${MPACT_SANITIZE}")
  target_compile_options(mpact_build_flags INTERFACE -fsanitize=${_mpact_san}
                         -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(mpact_build_flags INTERFACE -fsanitize=${_mpact_san})
  if("thread" IN_LIST MPACT_SANITIZE)
    # Boost.Asio's fenced blocks use std::atomic_thread_fence, which TSan does not model;
    # g++ warns in every file that includes Asio. The fences order nothing TSan checks.
    target_compile_options(mpact_build_flags INTERFACE -Wno-tsan)
  endif()
endif()

# Precompiled headers: the heavy third-party headers (msgpack, cppzmq, Boost.Asio, doctest)
# were a third to half of each file's compile time (measured: pool_test.cpp 16.9 s, of which
# 5.0 s its headers alone, under ASan), and CI builds three configurations cold.
option(MPACT_PCH "Precompile the heavy third-party headers of the library and tests" ON)

# A faster linker for our own programs: ~45 test binaries, each linking every static library
# with debug info, three configurations per CI run (actor_test: GNU ld 1.1 s of CPU, gold
# 0.7 s, lld 0.5 s, measured here). Build flags only: never in the installed package.
option(MPACT_FAST_LINKER "Link the project's own programs with lld or gold when available" ON)
if(MPACT_FAST_LINKER)
  include(CheckLinkerFlag)
  check_linker_flag(CXX -fuse-ld=lld MPACT_HAVE_LLD)
  if(MPACT_HAVE_LLD)
    target_link_options(mpact_build_flags INTERFACE -fuse-ld=lld)
  else()
    check_linker_flag(CXX -fuse-ld=gold MPACT_HAVE_GOLD)
    if(MPACT_HAVE_GOLD)
      target_link_options(mpact_build_flags INTERFACE -fuse-ld=gold)
    endif()
  endif()
endif()
