#pragma once

// The X-Request-Id every request carries through the cluster.

#include "http_edge/http_request.hpp"

#include <string>
#include <string_view>

namespace microshop::http_edge {

/// Whether `id` may be an X-Request-Id: 1 to 128 characters of
/// `A-Z a-z 0-9 - _ . :`.
bool is_valid_request_id(std::string_view id);

/// What a client must send as X-Request-Id, for the 400 that refuses one.
std::string_view request_id_rule();

/// A new request id, unique within this process and unlikely to repeat
/// across processes: 8 hex digits fixed at start, '-', a hex counter.
std::string make_request_id();

/// The X-Request-Id `req` carries when it carries exactly one valid one;
/// otherwise a new one (the request is refused by `route_request` then).
std::string request_id_of(const http_request& req);

} // namespace microshop::http_edge
