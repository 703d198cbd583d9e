#include "http_edge/router.hpp"

#include "actors/ascii.hpp"

#include <algorithm>

namespace microshop::http_edge {

bool percent_decode(std::string_view text, std::string& out, bool form) {
  out.clear();
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size())
        return false;
      int hi = actors::hex_value(text[i + 1]);
      int lo = actors::hex_value(text[i + 2]);
      if (hi < 0 || lo < 0)
        return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && form) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

route match(std::string_view target) {
  route r;
  auto q = target.find('?');
  auto path = target.substr(0, q);
  if (q != std::string_view::npos)
    r.query = std::string{target.substr(q + 1)};
  if (path.size() > 1 && path.back() == '/')
    path.remove_suffix(1);
  auto with_id = [&](std::string_view prefix, resource collection,
                     resource item) {
    if (path == prefix) {
      r.target = collection;
      return true;
    }
    if (path.size() > prefix.size() + 1 && path.starts_with(prefix) &&
        path[prefix.size()] == '/') {
      auto segment = path.substr(prefix.size() + 1);
      if (segment.find('/') != std::string_view::npos)
        return false;
      if (!percent_decode(segment, r.id, false))
        return false;
      r.target = item;
      return true;
    }
    return false;
  };
  if (path == "/healthz")
    r.target = resource::healthz;
  else if (path == "/readyz")
    r.target = resource::readyz;
  else if (path == "/metrics")
    r.target = resource::metrics;
  else if (path == "/openapi.json")
    r.target = resource::openapi;
  else if (path == "/docs" || path.starts_with("/docs/")) {
    r.target = resource::docs;
    r.id = std::string{path.substr(std::min(path.size(), size_t{6}))};
  } else if (!with_id("/api/users", resource::users, resource::user))
    with_id("/api/orders", resource::orders, resource::order);
  return r;
}

std::string_view allowed_methods(resource r) {
  switch (r) {
  case resource::users:
  case resource::orders:
    return "GET, POST, OPTIONS";
  case resource::user:
  case resource::order:
  case resource::healthz:
  case resource::readyz:
  case resource::metrics:
    return "GET, OPTIONS";
  case resource::openapi:
  case resource::docs:
    return "GET, HEAD, OPTIONS";
  case resource::none:
  case resource::count:
    break;
  }
  return "";
}

std::string_view route_template(resource r) {
  switch (r) {
  case resource::users:
    return "/api/users";
  case resource::user:
    return "/api/users/{id}";
  case resource::orders:
    return "/api/orders";
  case resource::order:
    return "/api/orders/{id}";
  case resource::healthz:
    return "/healthz";
  case resource::readyz:
    return "/readyz";
  case resource::metrics:
    return "/metrics";
  case resource::openapi:
    return "/openapi.json";
  case resource::docs:
    return "/docs";
  case resource::none:
  case resource::count:
    break;
  }
  return "unmatched";
}

bool allows(resource r, std::string_view method) {
  if (r == resource::none || r == resource::count)
    return false;
  if (method == "GET" || method == "OPTIONS")
    return true;
  if (method == "HEAD")
    return r == resource::openapi || r == resource::docs;
  return method == "POST" && (r == resource::users || r == resource::orders);
}

} // namespace microshop::http_edge
