#pragma once

// The list window both services take over the wire.

#include <caf/meta/type_name.hpp>
#include <cstdint>
#include <string>

namespace microshop::actors {

/// A window of a list in creation order: at most `limit` items created after
/// the item with id `after` (from the start when `after` is empty).
struct page {
  std::string after;
  uint32_t limit = 100;
  /// The X-Request-Id of the request that asks (for log lines; may be empty).
  std::string request_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, page& x) {
  return f(caf::meta::type_name("microshop::page"), x.after, x.limit,
           x.request_id);
}

} // namespace microshop::actors
