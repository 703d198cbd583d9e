#pragma once

#include "actors/validation.hpp"
#include "http_edge/api.hpp"
#include "http_edge/http_request.hpp"
#include "http_edge/response.hpp"
#include "http_edge/router.hpp"
#include "persistence/errc.hpp"

#include <optional>
#include <utility>

namespace microshop::http_edge {

/// The 204 answer to a CORS preflight (`OPTIONS`) on resource `r`, echoing
/// the requested headers.
response preflight(const http_request& req, resource r);

/// 200 when both nodes are connected, else 503; the body lists each node.
response readiness(bool users, bool orders);

/// Validates a POST body's media type and parses it.
template <class Parse>
auto parse_body(const http_request& req, Parse parse)
    -> std::pair<decltype(parse(req.body)), std::optional<response>> {
  if (!is_json_content_type(req.header("content-type")))
    return {caf::error{},
            error_response(415, "Content-Type must be application/json")};
  auto x = parse(req.body);
  if (!x)
    return {std::move(x),
            error_response(400, persistence::error_text(x.error()))};
  if (auto err = actors::validate(*x)) {
    auto resp = persistence::is(err, persistence::errc::user_not_found)
                    ? error_response(400, "User not found")
                    : error_response(400, persistence::error_text(err));
    return {std::move(x), std::move(resp)};
  }
  return {std::move(x), std::nullopt};
}

} // namespace microshop::http_edge
