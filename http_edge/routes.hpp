#pragma once

#include "actors/order_api.hpp"
#include "actors/user_api.hpp"
#include "http_edge/http_request.hpp"
#include "http_edge/response.hpp"
#include "http_edge/router.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace microshop::http_edge {

/// What a request needs from the nodes, once the edge has checked its
/// method, path, media type and JSON shape.
struct create_user_call {
  actors::new_user user;
  /// The request's Idempotency-Key; empty when it has none.
  std::string key;
};
struct list_users_call {
  actors::page page;
};
struct get_user_call {
  std::string id;
};
struct create_order_call {
  actors::new_order order;
};
struct list_orders_call {
  actors::order_query query;
};
struct get_order_call {
  std::string id;
};
/// `GET /readyz`: answered from the edge's links to the nodes.
struct readiness_call {};
/// `GET /metrics`: the edge's metrics and what every node reports.
struct metrics_call {};

/// `GET` or `HEAD` of `/docs` (`path` empty) or of a file below `/docs/`
/// (`path` as sent): served from the edge's docs directory.
struct docs_call {
  std::string path;
  bool head = false;
};

/// A request's route: an answer the edge gives at once, or a call.
using route_result =
    std::variant<response, readiness_call, metrics_call, create_user_call,
                 list_users_call, get_user_call, create_order_call,
                 list_orders_call, get_order_call, docs_call>;

/// Routes `req` by API.md (and sets `*matched` to the resource its path
/// names when `matched` is given): 400 for an X-Request-Id that breaks its
/// rule or is given twice, 404 for an unknown path, 405 with `Allow` for a
/// wrong method, 204 for a CORS preflight, 415/400 for a body that is not
/// the JSON the route takes, 400 for an Idempotency-Key that breaks its rule
/// or is given twice, 404 for an id that cannot exist; else the call.
route_result route_request(http_request& req, resource* matched = nullptr);

} // namespace microshop::http_edge
