#pragma once
// What the calling thread holds: per lock, its grant's ticket and recursion depth, and the
// owner_died() flag of its last acquire. Thread-local (ownership is per thread, as in Python);
// a record made before a fork names the parent's pid and is not the child's.
#include <sys/types.h>

#include <cstdint>
#include <string>

namespace mpact::detail {

struct Hold {
    pid_t pid = 0;
    std::uint64_t ticket = 0;
    std::uint32_t depth = 0;
    bool owner_died = false;
};

// This thread's record for lock `key`, or nullptr.
Hold* find_hold(const std::string& key);
// This thread's record for lock `key`, made empty if there was none.
Hold& hold(const std::string& key);
// Forgets the grant (not the owner_died() flag).
void drop_hold(const std::string& key);

}  // namespace mpact::detail
