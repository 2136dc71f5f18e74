// Python (the multiprocessing documentation's Pipe example):
//     def f(conn):
//         conn.send(['33', 44, None])
//         conn.close()
//     parent_conn, child_conn = Pipe()
//     p = Process(target=f, args=(child_conn,))
//     p.start()
//     print(parent_conn.recv())   # prints "['33', 44, None]"
//     p.join()
// A Python list of mixed types is a std::tuple here; None is an empty std::optional.
#include <mpact/mpact.hpp>

#include <iostream>
#include <optional>
#include <string>
#include <tuple>

using Item = std::tuple<std::string, int, std::optional<int>>;

void f(mpact::Connection conn) {
    conn.send(Item{"33", 44, std::nullopt});
    conn.close();
}
MPACT_TASK(f);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    auto [parent_conn, child_conn] = mpact::pipe();
    mpact::Process p{f, child_conn};
    p.start();
    child_conn.close();
    auto [s, n, none] = parent_conn.recv<Item>();
    std::cout << "['" << s << "', " << n << ", " << (none ? std::to_string(*none) : "None") << "]"
              << std::endl;
    p.join();
    return p.exitcode() == 0 ? 0 : 1;
}
