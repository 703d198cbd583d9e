#pragma once

// The one place where persistence/ meets the wire: stored records become the
// types that cross between nodes (and back), and a store's failures become
// the domain's errors. A stored field can be renamed without touching the
// protocol, and the protocol can change without touching the disk format.

#include "actors/errc.hpp"
#include "actors/order_api.hpp"
#include "actors/page.hpp"
#include "actors/user_api.hpp"
#include "persistence/records.hpp"
#include "persistence/status.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <utility>

namespace microshop::actors {

/// The domain error for a store's failure: `not_found_code` (see
/// `not_found`) for a missing key, `errc::duplicate` "<key> already taken"
/// for a taken unique key, `errc::storage` with the store's detail (path,
/// action, RocksDB's cause) for a failure; `caf::none` for no failure.
caf::error to_error(const persistence::store_error& err,
                    errc not_found_code = errc::user_not_found);

/// The value of `x`, or its failure as a domain error (see `to_error`).
template <class T>
caf::expected<T> to_expected(persistence::store_result<T>&& x,
                             errc not_found_code = errc::user_not_found) {
  if (!x)
    return to_error(x.error(), not_found_code);
  return std::move(*x);
}

/// A stored user as everyone but the user node sees it: no hash.
user to_wire(const persistence::user_record& rec);

/// A stored order as it crosses the wire.
order to_wire(persistence::order_record rec);

/// An order as the store keeps it.
persistence::order_record to_record(order x);

/// A list window as the store takes it.
persistence::page to_store(const page& p);

/// The bytes `x` takes in a list answer (see
/// `persistence::estimated_wire_size`).
size_t estimated_wire_size(const order& x);

} // namespace microshop::actors
