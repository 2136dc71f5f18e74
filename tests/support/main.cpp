// The doctest main of every mpact test binary. mpact::init comes first: a `spawn` or
// forkserver child re-runs this binary's main and must become its role, not rerun the tests.
#define DOCTEST_CONFIG_IMPLEMENT
#include <mpact/node.hpp>

#include <doctest/doctest.h>

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    doctest::Context context(argc, argv);
    return context.run();
}
