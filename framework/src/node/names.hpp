#pragma once
// The node-level "mpact.whereis" request (names.cpp), answered on the I/O thread.
#include <string>
#include <string_view>

namespace mpact::detail {

class Node;
struct Header;

void answer_whereis(Node& node, const std::string& identity, const Header& request,
                    std::string_view payload);

}  // namespace mpact::detail
