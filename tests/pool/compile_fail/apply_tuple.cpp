// Must not compile: a std::tuple passed to Pool::apply is one argument, not unpacked (issue
// #12). The ctest case `pool_compile_fail_apply_tuple` builds this and passes only when the
// build fails with pool.hpp's static_assert message.
#include <mpact/pool.hpp>

#include <tuple>

namespace {
int square(int x) {
    return x * x;
}
MPACT_TASK(square);
}  // namespace

int use(mpact::Pool& pool) {
    return pool.apply(square, std::make_tuple(7));
}
