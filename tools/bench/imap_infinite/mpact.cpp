// imap_infinite — mpact: tasks/s of pool.imap(identity, std::views::iota(0)), an endless
// input, chunksize 1, on a warm mpact::Pool(cpu_count), stopped after n = 100,000 results
// (10,000 under --quick): the iterator is dropped there, which stops the call.
#include <pool_bench.hpp>

#include <ranges>
#include <stdexcept>
#include <string>

int main(int argc, char** argv) {
    return bench_pool::run(
        argc, argv, [](const bench::Options& opt, mpact::Pool& pool, const std::string& name) {
            const int n = opt.pick(100000, 10000);
            const auto t0 = bench::now_ns();
            int count = 0;
            {
                auto it = pool.imap(bench_pool::identity, std::views::iota(0));
                while (count < n) {
                    auto v = it.next();
                    if (!v || *v != count) throw std::runtime_error("imap lost its order");
                    ++count;
                }
            }
            const auto t1 = bench::now_ns();
            return bench::Result{n * 1e9 / static_cast<double>(t1 - t0),
                                 "tasks/s",
                                 n,
                                 name +
                                     ", imap(identity, views::iota(0)), chunksize=1, default "
                                     "buffersize, stopped after " +
                                     std::to_string(n) + " results",
                                 {}};
        });
}
