#include "http_edge/http_syntax.hpp"

#include "actors/ascii.hpp"

#include <algorithm>
#include <array>

namespace microshop::http_edge {

namespace {

bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_hex(char c) {
  return actors::hex_value(c) >= 0;
}

/// RFC 3986 reg-name or IPv4address: unreserved, sub-delims, pct-encoded.
bool is_reg_name(std::string_view s) {
  if (s.empty())
    return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
        return false;
      i += 2;
    } else if (!is_alpha(c) && !is_digit(c) &&
               std::string_view{"-._~!$&'()*+,;="}.find(c) ==
                   std::string_view::npos) {
      return false;
    }
  }
  return true;
}

/// RFC 9110 tchar, as a table: every header name passes through it.
constexpr auto tchars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c)
    table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c >= '0' && c <= '9');
  for (char c : std::string_view{"!#$%&'*+-.^_`|~"})
    table[static_cast<unsigned char>(c)] = true;
  return table;
}();

} // namespace

std::string size_text(size_t n) {
  if (n != 0 && n % (size_t{1024} * 1024) == 0)
    return std::to_string(n / (size_t{1024} * 1024)) + " MiB";
  if (n != 0 && n % 1024 == 0)
    return std::to_string(n / 1024) + " KiB";
  return std::to_string(n) + " bytes";
}

bool is_tchar(char c) {
  return tchars[static_cast<unsigned char>(c)];
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

/// `uri-host [":" port]` (RFC 9110 Host, RFC 3986 authority without
/// userinfo); the host must not be empty.
bool is_valid_authority(std::string_view s) {
  std::string_view rest;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close == 1)
      return false;
    for (char c : s.substr(1, close - 1))
      if (!is_hex(c) && c != ':' && c != '.')
        return false;
    rest = s.substr(close + 1);
  } else {
    auto colon = s.find(':');
    if (!is_reg_name(s.substr(0, colon)))
      return false;
    rest =
        colon == std::string_view::npos ? std::string_view{} : s.substr(colon);
  }
  if (rest.empty())
    return true;
  if (rest.front() != ':' || rest.size() > 6 ||
      !std::all_of(rest.begin() + 1, rest.end(), is_digit))
    return false;
  // A port is at most 65535 (an empty port is allowed by RFC 3986).
  return rest.size() == 1 || std::stoul(std::string{rest.substr(1)}) <= 65535;
}

/// Rewrites an absolute-form target ("http://host/p?q") to origin-form
/// ("/p?q"); false for a target that is neither (asterisk-form "*" passes
/// unchanged for the router to refuse).
bool to_origin_form(std::string& target) {
  if (target.empty())
    return false;
  if (target.front() == '/' || target == "*")
    return true;
  auto sep = target.find("://");
  if (sep == std::string::npos)
    return false;
  std::string_view scheme{target.data(), sep};
  if (!iequals(scheme, "http") && !iequals(scheme, "https"))
    return false;
  auto start = sep + 3;
  auto end = target.find_first_of("/?#", start);
  auto authority = std::string_view{target}.substr(
      start, end == std::string::npos ? std::string::npos : end - start);
  if (!is_valid_authority(authority))
    return false;
  std::string origin = end == std::string::npos ? "" : target.substr(end);
  if (origin.empty() || origin.front() != '/')
    origin.insert(origin.begin(), '/');
  target = std::move(origin);
  return true;
}

} // namespace microshop::http_edge
