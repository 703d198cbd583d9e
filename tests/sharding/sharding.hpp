#pragma once

// Shared by the sharding tests: clusters of several user and order nodes as
// real processes, spoken to over HTTP.

#include "e2e/e2e.hpp"

#include <set>
#include <string>
#include <vector>

namespace microshop::testing {

/// A started, ready cluster of a fixed shape.
template <int Users, int Orders> struct sharded_fixture : e2e_fixture {
  sharded_fixture() : e2e_fixture(true, shape{Users, Orders}) {
    // nop
  }
};

/// The JSON body of a create of a user.
std::string user_body(const std::string& username, const std::string& email);

/// Sends every body of `bodies` as `POST /api/users` at once, each on its own
/// connection, released together; the responses in the order of `bodies`
/// (status 0 when a connection got none).
std::vector<http_response>
create_users_at_once(uint16_t port, const std::vector<std::string>& bodies);

/// The ids of every record a walk from `first` (a list target with `limit`,
/// without `after`) that follows `Link` returns, in the order returned;
/// fails the test on any status but 200, a page over the limit, or a Link
/// that is not `first` + `&after=<last id of the page>`.
std::vector<std::string> walk(uint16_t port, const std::string& first);

/// Whether `ids` ascend strictly (each id once, in id order).
bool strictly_ascending(const std::vector<std::string>& ids);

/// The field `name` of the JSON object in `body`, or "".
std::string field_of(const std::string& body, const std::string& name);

/// `text` with ASCII letters in alternating case ("aLiCe"): the same name
/// compared case-insensitively.
std::string mixed_case(const std::string& text);

/// Every user listed by `GET /api/users`, walked: lower-cased usernames and
/// emails.
struct held_names {
  std::set<std::string> usernames;
  std::set<std::string> emails;
};
held_names names_held(uint16_t port);

} // namespace microshop::testing
