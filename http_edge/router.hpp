#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace microshop::http_edge {

/// The resources of API.md, and the edge's own (`metrics`, `openapi`,
/// `docs`); `count` is the number of them.
enum class resource : uint8_t {
  none,
  users,
  user,
  orders,
  order,
  healthz,
  readyz,
  metrics,
  openapi, ///< `/openapi.json`
  docs,    ///< `/docs` and `/docs/<file>` (the file in `route::id`, raw)
  count
};

/// The path template of `r` for metrics and logs, e.g. "/api/users/{id}"
/// ("unmatched" for `none`): never a raw path or an id.
std::string_view route_template(resource r);

/// Where a request target leads.
struct route {
  resource target = resource::none;
  /// The id path segment of `user` and `order`, percent-decoded; the file
  /// path below `/docs/` of `docs`, as sent.
  std::string id;
  /// The raw query string (after '?'), possibly empty.
  std::string query;
};

/// The resource `target` names (`resource::none` for an unknown path).
route match(std::string_view target);

/// The methods `r` serves, as for an `Allow` header, e.g. "GET, POST, OPTIONS".
std::string_view allowed_methods(resource r);

/// Whether `r` serves `method` (OPTIONS is always served by a known resource).
bool allows(resource r, std::string_view method);

/// Percent-decodes `text` ('+' becomes a space when `form` is true); nothing
/// decodes to a broken escape: returns false then.
bool percent_decode(std::string_view text, std::string& out, bool form);

} // namespace microshop::http_edge
