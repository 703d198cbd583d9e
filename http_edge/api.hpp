#pragma once

#include "actors/order_api.hpp"
#include "actors/user_api.hpp"
#include "http_edge/response.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <string>
#include <string_view>

namespace microshop::http_edge {

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

/// `r` marked as the stored answer to an earlier request with the same
/// Idempotency-Key: `Idempotent-Replayed: true`, exposed to browsers.
response replayed(response r);

/// The answer to a create with an Idempotency-Key: 201 with the user, or
/// its refusal or failure as `error_to_response`; `replayed` when it was.
response created(actors::user_result& x);

/// The answer to an order create of a batch: 201 with the order, or its
/// refusal or failure as `order_create_error`; `replayed` when it was.
response created(actors::order_result& x);

/// 200 with one user or order.
response found(const actors::user& x);
response found(const actors::order& x);

/// 200 with a page of users or orders and, when more follow, a `Link` to the
/// next page with the same path and filters.
response listed(const actors::user_page& x, const actors::page& p);
response listed(const actors::order_page& x, const actors::order_query& q);

} // namespace microshop::http_edge
