#pragma once

// A record asked for by its id, on behalf of one HTTP request.

#include <caf/meta/type_name.hpp>
#include <string>

namespace microshop::actors {

/// The id of a record to read or check, and the X-Request-Id of the request
/// that asks (for the log lines about it; may be empty).
struct id_query {
  std::string id;
  std::string request_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, id_query& x) {
  return f(caf::meta::type_name("microshop::id_query"), x.id, x.request_id);
}

} // namespace microshop::actors
