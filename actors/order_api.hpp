#pragma once

// The order service's contract: what crosses the wire to and from the order
// node.

#include "actors/atoms.hpp"
#include "actors/hello.hpp"
#include "actors/id_query.hpp"
#include "actors/link_state.hpp"
#include "actors/metric_sample.hpp"
#include "actors/page.hpp"

#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace microshop::actors {

/// One product line of an order; money is in integer cents.
struct line_item {
  std::string product_id;
  int64_t quantity = 0;
  int64_t price_cents = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, line_item& x) {
  return f(caf::meta::type_name("microshop::line_item"), x.product_id,
           x.quantity, x.price_cents);
}

/// An accepted order; `total_cents` is the exact sum of price x quantity.
struct order {
  std::string id;
  std::string user_id;
  std::vector<line_item> products;
  uint64_t total_cents = 0;
  std::string status;
  int64_t created_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order& x) {
  return f(caf::meta::type_name("microshop::order"), x.id, x.user_id,
           x.products, x.total_cents, x.status, x.created_ms);
}

/// An order to create: prices are already exact cents. With an
/// `idempotency_key` (scoped by `user_id`), its outcome is stored with the
/// order it creates and answered again to a retry (docs/idempotency.md).
struct new_order {
  std::string user_id;
  std::vector<line_item> products;
  std::string idempotency_key;
  /// The X-Request-Id of the request that asks (for log lines; may be empty).
  std::string request_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, new_order& x) {
  return f(caf::meta::type_name("microshop::new_order"), x.user_id, x.products,
           x.idempotency_key, x.request_id);
}

/// One answer of a batch: `value` when `err` is empty, else why not;
/// `replayed` when it is the stored outcome of an earlier request with the
/// same Idempotency-Key.
struct order_result {
  caf::error err;
  order value;
  bool replayed = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_result& x) {
  return f(caf::meta::type_name("microshop::order_result"), x.err, x.value,
           x.replayed);
}

/// Which orders to list: all of them, or those of `user_id` when it is set.
struct order_query {
  std::string user_id;
  page window;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_query& x) {
  return f(caf::meta::type_name("microshop::order_query"), x.user_id, x.window);
}

/// One page of orders in creation order; `more` when orders follow the last.
/// Every order with an id below `watermark` that will ever exist on this
/// node was visible when the page was read. `full` when the page stopped at
/// its last item (its limit or size budget): the node's answer is complete
/// through that item only; otherwise it is complete below `watermark`.
struct order_page {
  std::vector<order> items;
  bool more = false;
  std::string watermark;
  bool full = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_page& x) {
  return f(caf::meta::type_name("microshop::order_page"), x.items, x.more,
           x.watermark, x.full);
}

/// The order service. Errors: `errc::invalid` (naming the field),
/// `errc::user_not_found`, `errc::order_not_found`, `errc::unavailable`
/// (the user service did not answer in time), `errc::storage`,
/// `errc::misconfigured` (hello: not the node asked for, or another map),
/// and for orders with an Idempotency-Key `errc::key_reused` and
/// `errc::key_in_progress`.
using order_actor = caf::typed_actor<
    /// Answers the node's name when it is `expected_node` and runs the map
    /// with `map_digest`; else `errc::misconfigured` saying why.
    caf::replies_to<hello_atom, hello>::with<std::string>,
    /// This node's links to the user nodes, in map order.
    caf::replies_to<links_atom>::with<std::vector<link_state>>,
    /// Accepts an order after the user service confirmed its user.
    caf::replies_to<create_atom, new_order>::with<order>,
    /// The order with this id.
    caf::replies_to<get_atom, id_query>::with<order>,
    /// A page of orders, oldest first, optionally of one user.
    caf::replies_to<list_atom, order_query>::with<order_page>,
    /// Accepts each order whose user the user service confirmed, storing
    /// them in one write: one result per order, in order.
    caf::replies_to<create_atom,
                    std::vector<new_order>>::with<std::vector<order_result>>,
    /// What this node reports for GET /metrics (its store and its links to
    /// the user nodes), without the node label.
    caf::replies_to<metrics_atom>::with<metric_samples>>;

} // namespace microshop::actors
