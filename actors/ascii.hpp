#pragma once

// ASCII character rules the domain and the edge share (header-only, no
// dependencies):
// case folding and hex digits, written once.

#include <algorithm>
#include <string>
#include <string_view>

namespace microshop::actors {

/// `c` in ASCII lower case; every other byte unchanged.
constexpr char to_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// `s` with `to_lower` applied to each byte, appended to `out`.
inline void append_lower(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size());
  for (char c : s)
    out.push_back(to_lower(c));
}

/// Whether `a` and `b` are equal ignoring ASCII case.
constexpr bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](char x, char y) { return to_lower(x) == to_lower(y); });
}

/// The value of the hex digit `c` (either case), or -1 when it is none.
constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace microshop::actors
