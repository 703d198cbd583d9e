#pragma once

// How the edge merges the pages every node of a service answered for one
// list request (docs/sharding.md, "Lists across nodes"): a plain function, no
// CAF.

#include "actors/order_api.hpp"
#include "actors/page.hpp"
#include "actors/user_api.hpp"

#include <string_view>
#include <vector>

namespace microshop::http_edge {

/// Where one node's answer is complete: every item with an id below `id`, or
/// at or below it when `inclusive`.
struct list_bound {
  std::string_view id;
  bool inclusive = false;
};

/// Whether an item with `id` lies within `b`.
bool within(std::string_view id, const list_bound& b);

/// The lower of two bounds (at equal ids the exclusive one).
list_bound lower(const list_bound& a, const list_bound& b);

/// Where a page asked `after` is complete: through its last item when it is
/// `full`, below its watermark when it has one, else (a node that sends no
/// watermark) through its last item, or through `after` when it is empty.
/// The bound refers to `p` and `after`: keep both alive while it is used.
list_bound bound_of(const actors::user_page& p, std::string_view after);
list_bound bound_of(const actors::order_page& p, std::string_view after);

/// The page of `window` made of the pages every node answered for it: the
/// items within every node's bound, in id order, the first `window.limit` of
/// them; `more` when any node said more or any item was held back. One page
/// comes back as it is.
actors::user_page merge_pages(std::vector<actors::user_page>&& pages,
                              const actors::page& window);
actors::order_page merge_pages(std::vector<actors::order_page>&& pages,
                               const actors::page& window);

} // namespace microshop::http_edge
