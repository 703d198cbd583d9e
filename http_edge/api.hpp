#pragma once

#include "actors/order_api.hpp"
#include "actors/user_api.hpp"
#include "http_edge/response.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <string>
#include <string_view>

namespace microshop::http_edge {

/// Default and largest page size of the list endpoints.
constexpr uint32_t default_limit = 100;
constexpr uint32_t max_limit = 1000;

/// Whether a Content-Type header value names JSON (parameters allowed).
bool is_json_content_type(const std::string* value);

/// The user in a POST /api/users body; `errc::invalid` naming the field for
/// invalid JSON or a missing or mistyped field. Unknown fields are ignored.
caf::expected<actors::new_user> parse_new_user(std::string_view body);

/// The order in a POST /api/orders body, prices as exact cents;
/// `errc::invalid` naming the field (e.g. "products[1].price").
caf::expected<actors::new_order> parse_new_order(std::string_view body);

/// `limit` (1-1000, default 100) and `after` (an id) of a list query;
/// `errc::invalid` naming the parameter.
caf::expected<actors::page> parse_page(std::string_view query);

/// A page plus the optional `userId` filter of GET /api/orders.
caf::expected<actors::order_query> parse_order_query(std::string_view query);

/// The one table from errors to HTTP: errc::invalid 400, errc::duplicate 409,
/// not found 404, errc::unavailable 503, errc::overloaded 503
/// {"error":"<service> service overloaded"} with `Retry-After: 1`,
/// errc::storage 500, a request timeout
/// 504 and any other failure to reach `service` ("User" or "Order") 503.
response error_to_response(const caf::error& err, std::string_view service);

/// The response to a failed order creation: as `error_to_response`, except
/// that an unknown user is 400 {"error":"User not found"} (API.md).
response order_create_error(const caf::error& err);

/// 503 {"error":"<service> service unavailable"}.
response unavailable(std::string_view service);

/// 201 with the user and its Location.
response created(const actors::user& x);

/// 201 with the order and its Location.
response created(const actors::order& x);

/// 200 with one user or order.
response found(const actors::user& x);
response found(const actors::order& x);

/// 200 with a page of users or orders and, when more follow, a `Link` to the
/// next page with the same path and filters.
response listed(const actors::user_page& x, const actors::page& p);
response listed(const actors::order_page& x, const actors::order_query& q);

} // namespace microshop::http_edge
