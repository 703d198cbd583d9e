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
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, page& x) {
  return f(caf::meta::type_name("microshop::page"), x.after, x.limit);
}

} // namespace microshop::actors
