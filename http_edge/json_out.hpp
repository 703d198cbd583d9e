#pragma once

// Writes microshop's JSON responses. Parsing is nlohmann's job; writing is
// done here so that money is written exactly (`format_cents`).

#include "actors/order_api.hpp"
#include "actors/user_api.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace microshop::http_edge {

/// Appends `s` as a JSON string literal, escaping quotes, backslashes and
/// control characters; `s` must be valid UTF-8.
void append_json_string(std::string& out, std::string_view s);

/// Unix milliseconds as UTC ISO-8601 with milliseconds,
/// e.g. "2026-11-25T16:07:19.123Z".
std::string format_timestamp(int64_t unix_ms);

/// {"id","username","email","createdAt"}
void append_user(std::string& out, const actors::user& x);

/// {"id","userId","products":[{"productId","quantity","price"}],"total",
/// "status","createdAt"}
void append_order(std::string& out, const actors::order& x);

/// A JSON array of users or orders.
std::string users_json(const std::vector<actors::user>& xs);
std::string orders_json(const std::vector<actors::order>& xs);

} // namespace microshop::http_edge
