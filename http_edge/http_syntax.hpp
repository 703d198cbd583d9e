#pragma once

#include "actors/ascii.hpp"

#include <cstddef>
#include <string>
#include <string_view>

// HTTP/1.1 syntax rules (RFC 9110, 9112, 3986) the request parser checks
// beyond what http_parser does.

namespace microshop::http_edge {

/// `n` bytes as text: "1 MiB", "8 KiB" or "100 bytes".
std::string size_text(size_t n);

// ASCII case rules: common/ascii.hpp.
using actors::iequals;
using actors::to_lower;

/// Whether `c` may appear in a header field name (RFC 9110 tchar).
bool is_tchar(char c);

/// `s` without leading and trailing spaces and tabs.
std::string_view trim_ows(std::string_view s);

/// Whether `s` is a valid Host value: `uri-host [":" port]` (RFC 9110 Host,
/// RFC 3986 authority without userinfo) with a non-empty host.
bool is_valid_authority(std::string_view s);

/// Rewrites an absolute-form target ("http://host/p?q") to origin-form
/// ("/p?q"); false for a target that is neither (asterisk-form "*" passes
/// unchanged for the router to refuse).
bool to_origin_form(std::string& target);

} // namespace microshop::http_edge
