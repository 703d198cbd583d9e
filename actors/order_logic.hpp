#pragma once

#include "actors/order_api.hpp"
#include "persistence/order_store.hpp"

#include <caf/expected.hpp>
#include <vector>

namespace microshop::actors {

/// The order `x` becomes once accepted: validated, with a new id, its exact
/// total, status "pending" and its creation time; or the first broken rule.
caf::expected<order> make_order(const new_order& x);

/// Makes every order of `xs` (see `make_order`) and stores the valid ones in
/// one atomic write: one result per order, in order; the stored order, its
/// broken rule, or the write's error.
std::vector<order_result> store_orders(persistence::order_store& store,
                                       const std::vector<new_order>& xs);

/// The orders `q` asks for, oldest first.
caf::expected<order_page> list_orders(const persistence::order_store& store,
                                      const order_query& q);

/// The stored order with `id`; `errc::order_not_found` also for ids that
/// cannot exist.
caf::expected<order> find_order(const persistence::order_store& store,
                                const std::string& id);

} // namespace microshop::actors
