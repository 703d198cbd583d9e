#pragma once

#include "actors/order_api.hpp"
#include "actors/user_api.hpp"

#include <caf/expected.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace microshop::http_edge {

/// Whether a Content-Type header value names JSON (parameters allowed).
bool is_json_content_type(const std::string* value);

/// The user in a POST /api/users body; `errc::invalid` naming the field for
/// invalid JSON or a missing or mistyped field. Unknown fields are ignored.
/// Only the shape: the user service checks the rules (`actors::validate`).
caf::expected<actors::new_user> parse_new_user(std::string_view body);

/// The order in a POST /api/orders body, prices as exact cents;
/// `errc::invalid` naming the field (e.g. "products[1].price") for a missing
/// or mistyped field, a quantity that is no integer, or a price that is no
/// number or is written with more than two decimals. Only the shape: the
/// order service checks the rules (counts, lengths, ranges).
caf::expected<actors::new_order> parse_new_order(std::string_view body);

/// `limit` (1 to `limits::max_page_limit`, default
/// `limits::default_page_limit`) and `after` (an id) of a list query;
/// `errc::invalid` naming the parameter.
caf::expected<actors::page> parse_page(std::string_view query);

/// A page plus the optional `userId` filter of GET /api/orders.
caf::expected<actors::order_query> parse_order_query(std::string_view query);

} // namespace microshop::http_edge
