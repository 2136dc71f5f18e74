// pool_rss — mpact: the parent's peak RSS over imap_unordered of 300,000 trivial tasks
// (30,000 under --quick), beside Python's; see common/pool_rss.hpp.
#include <pool_rss.hpp>

int main(int argc, char** argv) {
    return bench_pool::rss_figure(argc, argv, 300000, 30000);
}
