#pragma once

// Log lines about one request on a node, carrying its X-Request-Id.

#include <caf/error.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace microshop::actors {

/// Whether `err` is the node's own failure (storage, an unreachable or slow
/// peer, overload) rather than a refusal of what the client asked.
bool is_failure(const caf::error& err);

/// Logs the outcome of request `request_id` at this node as `event`: a
/// success or a refusal at debug level (with `subject`, e.g. the id it
/// made), a failure (`is_failure`) at warn level with the error, at most 10
/// lines of `event` a second (the rest counted in the next line's
/// `suppressed`).
void log_outcome(std::string_view event, const std::string& request_id,
                 const caf::error& err,
                 std::pair<std::string_view, std::string_view> subject = {});

/// Logs that the node `peer` did not answer `call` (may be empty) for the
/// requests with `request_ids` (the first 16 are named): `request_timeout`
/// for a timeout, else `request_failed`, at warn level, at most 10 lines a
/// second.
void log_peer_failure(std::string_view peer, std::string_view call,
                      const caf::error& err,
                      const std::vector<std::string_view>& request_ids);

} // namespace microshop::actors
