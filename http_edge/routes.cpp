#include "http_edge/routes.hpp"

#include "actors/errc.hpp"
#include "actors/idempotency.hpp"
#include "actors/ids.hpp"
#include "http_edge/api.hpp"
#include "http_edge/request_body.hpp"
#include "http_edge/request_id.hpp"
#include "http_edge/router.hpp"
#include "http_edge/static_files.hpp"

#include <optional>
#include <utility>

namespace microshop::http_edge {

namespace {

response preflight(const http_request& req, resource r) {
  response resp{204};
  resp.headers.emplace_back("Access-Control-Allow-Methods",
                            std::string{allowed_methods(r)});
  auto requested = req.header("access-control-request-headers");
  resp.headers.emplace_back("Access-Control-Allow-Headers",
                            requested ? *requested : "Content-Type");
  resp.headers.emplace_back("Access-Control-Max-Age", "600");
  return resp;
}

response bad_request(const caf::error& err) {
  return error_response(400, actors::error_text(err));
}

/// The body of a POST parsed by `parse`, or the 415/400 that refuses its
/// media type or JSON shape; the owning service checks the rules.
template <class Call, class Parse>
route_result parse_body(const http_request& req, Parse parse) {
  if (!is_json_content_type(req.header("content-type")))
    return error_response(415, "Content-Type must be application/json");
  auto x = parse(req.body);
  if (!x)
    return bad_request(x.error());
  return Call{std::move(*x)};
}

/// The Idempotency-Key of `req` (empty: none), or the 400 that refuses it:
/// not 1-255 printable ASCII characters, or given more than once.
std::variant<std::string, response> idempotency_key(const http_request& req) {
  const std::string* found = nullptr;
  for (const auto& [name, value] : req.headers) {
    if (name != "idempotency-key")
      continue;
    if (found)
      return error_response(400, "Idempotency-Key must be given once");
    found = &value;
  }
  if (!found)
    return std::string{};
  // The parser trimmed the value (RFC 9110 5.5): "k " and "k" are one key.
  if (!actors::is_valid_idempotency_key(*found))
    return bad_request(actors::idempotency_key_rule());
  return *found;
}

/// The 400 that refuses the X-Request-Id of `req`, if it breaks its rule
/// or is given more than once.
std::optional<response> request_id_refusal(const http_request& req) {
  const std::string* found = nullptr;
  for (const auto& [name, value] : req.headers) {
    if (name != "x-request-id")
      continue;
    if (found)
      return error_response(400, "X-Request-Id must be given once");
    found = &value;
  }
  if (found && !is_valid_request_id(*found))
    return error_response(400, request_id_rule());
  return std::nullopt;
}

} // namespace

route_result route_request(http_request& req, resource* matched) {
  auto rt = match(req.target);
  if (matched)
    *matched = rt.target;
  if (auto refusal = request_id_refusal(req))
    return std::move(*refusal);
  if (rt.target == resource::none)
    return error_response(404, "Not found");
  if (!allows(rt.target, req.method)) {
    auto r = error_response(405, "Method " + req.method + " not allowed");
    r.headers.emplace_back("Allow", std::string{allowed_methods(rt.target)});
    return r;
  }
  if (req.method == "OPTIONS")
    return preflight(req, rt.target);
  bool post = req.method == "POST";
  std::string key;
  if (post) {
    auto k = idempotency_key(req);
    if (auto* refusal = std::get_if<response>(&k))
      return std::move(*refusal);
    key = std::move(std::get<std::string>(k));
  }
  switch (rt.target) {
  case resource::healthz:
    return response{200, "{\"status\":\"ok\"}", {}};
  case resource::readyz:
    return readiness_call{};
  case resource::metrics:
    return metrics_call{};
  case resource::users:
    if (post) {
      auto call = parse_body<create_user_call>(req, parse_new_user);
      if (auto* c = std::get_if<create_user_call>(&call))
        c->key = std::move(key);
      return call;
    }
    if (auto p = parse_page(rt.query))
      return list_users_call{*p};
    else
      return bad_request(p.error());
  case resource::user:
    if (!actors::is_valid_id(rt.id))
      return error_response(404, "User not found");
    return get_user_call{std::move(rt.id)};
  case resource::orders:
    if (post) {
      auto call = parse_body<create_order_call>(req, parse_new_order);
      if (auto* c = std::get_if<create_order_call>(&call))
        c->order.idempotency_key = std::move(key);
      return call;
    }
    if (auto q = parse_order_query(rt.query))
      return list_orders_call{*q};
    else
      return bad_request(q.error());
  case resource::order:
    if (!actors::is_valid_id(rt.id))
      return error_response(404, "Order not found");
    return get_order_call{std::move(rt.id)};
  case resource::openapi:
    return openapi_response(req.method == "HEAD");
  case resource::docs:
    return docs_call{std::move(rt.id), req.method == "HEAD"};
  case resource::none:
  case resource::count:
    break;
  }
  return error_response(404, "Not found");
}

} // namespace microshop::http_edge
