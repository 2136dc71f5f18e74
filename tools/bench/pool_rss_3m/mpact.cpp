// pool_rss_3m — mpact alone: pool_rss with 3,000,000 tasks (300,000 under --quick): the
// parent's memory is flat in the input's length; see common/pool_rss.hpp.
#include <pool_rss.hpp>

int main(int argc, char** argv) {
    return bench_pool::rss_figure(argc, argv, 3000000, 300000);
}
