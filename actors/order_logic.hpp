#pragma once

#include "actors/order_api.hpp"
#include "persistence/order_store.hpp"

#include <caf/expected.hpp>
#include <cstddef>
#include <vector>

namespace microshop::actors {

/// The order `x` (which `validate` accepted) becomes once accepted: a new
/// id in the shard of its user (`new_id(shard_byte_of(x.user_id))`), its exact
/// total, status "pending" and its creation time.
order make_order(const new_order& x);

/// Makes every order of `xs` (each accepted by `validate`; see `make_order`)
/// and stores them in one atomic write: one result per order, in order; the
/// stored order, or the write's error. An order with an Idempotency-Key
/// (and its fingerprint at the same place of `fps`) has its key's outcome
/// stored in the same write, as do the refusals `refused`.
std::vector<order_result>
store_orders(persistence::order_store& store, const std::vector<new_order>& xs,
             const std::vector<std::string>& fps = {},
             const std::vector<persistence::key_entry>& refused = {});

/// The stored outcome `rec` of an order's Idempotency-Key as it is answered
/// again (`replayed`): the refusal, or the order it created.
order_result replay_order(const persistence::order_store& store,
                          const persistence::key_record& rec);

/// The most a list answer holds by `estimated_wire_size`.
constexpr size_t default_list_budget = size_t{1} << 20;

/// The orders `q` asks for, oldest first: at most `q.window.limit` and, past
/// the first, only as many as fit into `max_bytes`; `more` tells whether
/// orders follow, so a page cut by size still links to the rest; `full` when
/// it did (complete through its last order only), else it is complete below
/// `watermark`, a fresh id taken before the read.
caf::expected<order_page> list_orders(const persistence::order_store& store,
                                      const order_query& q,
                                      size_t max_bytes = default_list_budget);

/// The estimated wire size of `x` (see `persistence::estimated_wire_size`).
size_t estimated_wire_size(const order_page& x);

/// The stored order with `id`; `errc::order_not_found` also for ids that
/// cannot exist.
caf::expected<order> find_order(const persistence::order_store& store,
                                const std::string& id);

} // namespace microshop::actors
