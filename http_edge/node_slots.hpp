#pragma once

// The edge's state per node of each service (docs/sharding.md, "Placement"):
// a link with a hello, a batcher for the hot path, a call gate; and the plain
// rules that pick a node for a request.

#include "actors/order_api.hpp"
#include "actors/peer_link.hpp"
#include "actors/shard_map.hpp"
#include "actors/user_api.hpp"
#include "http_edge/batcher.hpp"
#include "http_edge/call_gate.hpp"
#include "http_edge/edge.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace microshop::http_edge {

/// The tag of a request waiting on user node `i` (below
/// `max_nodes_per_service`); 0 tags no node.
constexpr uint8_t user_tag(size_t i) {
  return static_cast<uint8_t>(1 + i);
}

/// The tag of a request waiting on order node `j`.
constexpr uint8_t order_tag(size_t j) {
  return static_cast<uint8_t>(128 + j);
}

/// The first of `n` indexes, from `next` on and wrapping, for which
/// `usable(i)`; moves `next` past it. Nothing when no index is usable.
template <class Usable>
std::optional<size_t> round_robin(size_t& next, size_t n, Usable usable) {
  for (size_t k = 0; k < n; ++k) {
    auto i = (next + k) % n;
    if (usable(i)) {
      next = (i + 1) % n;
      return i;
    }
  }
  return std::nullopt;
}

/// One node as the edge sees it. Lives in a vector sized once: the link's
/// callbacks hold its address.
template <class Handle, class Item> struct node_slot {
  node_slot(actors::peer_address addr, caf::timespan connect_timeout,
            actors::hello greeting, batch_limits limits, uint8_t node_tag,
            actors::connector_factory make_connector = {})
      : link(std::move(addr), connect_timeout, std::move(greeting),
             std::move(make_connector)),
        batch(limits), tag(node_tag) {
    // nop
  }

  actors::peer_link<Handle> link;
  /// The node's hot-path requests (`GET /api/users/<id>`, resp.
  /// `POST /api/orders`), gathered into one message at a time.
  batcher<Item> batch;
  /// Lists and single-order reads in flight to the node (the rest wait here,
  /// not in the node's mailbox). 64 keeps a node busy under 64 clients (32
  /// cost the order node ~20 % more CPU per list in wake-ups) and holds at
  /// most 64 one-MiB pages there.
  call_gate gate{64, std::chrono::seconds(5)};
  /// What requests waiting on this node are tagged with.
  uint8_t tag;
};

/// A list asked of every node of a service: the pages as they come in.
template <class Page, class Query> struct list_fanout {
  list_fanout(slot_ref r, Query q, size_t nodes)
      : ref(r), query(std::move(q)), pages(nodes), got(nodes, false),
        remaining(nodes) {
    // nop
  }

  slot_ref ref;
  Query query;
  std::vector<Page> pages;
  std::vector<bool> got;
  size_t remaining;
  /// The request is answered (merged, failed, or its node lost).
  bool done = false;
};

/// The nodes of one service, in map order.
template <class Handle, class Item, class Page, class Query>
struct service_nodes {
  using slot = node_slot<Handle, Item>;
  using fanout = list_fanout<Page, Query>;

  std::vector<slot> nodes;
  /// Lists in flight over more than one node (dropped on the tick once done
  /// or forgotten), to answer those a lost node leaves waiting.
  std::vector<std::weak_ptr<fanout>> lists;
  /// Where the round robin of creates goes on.
  size_t next_create = 0;
};

using user_nodes = service_nodes<actors::user_actor, actors::id_query,
                                 actors::user_page, actors::page>;
using order_nodes = service_nodes<actors::order_actor, actors::new_order,
                                  actors::order_page, actors::order_query>;

} // namespace microshop::http_edge
