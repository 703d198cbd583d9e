#include "actors/order_logic.hpp"

#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/money.hpp"
#include "actors/wire_mapping.hpp"

namespace microshop::actors {

order make_order(const new_order& x) {
  order o;
  o.id = new_id(shard_byte_of(x.user_id));
  o.user_id = x.user_id;
  o.products = x.products;
  o.total_cents = total_cents(o.products);
  o.status = "pending";
  o.created_ms = id_time_ms(o.id);
  return o;
}

std::vector<order_result> store_orders(persistence::order_store& store,
                                       const std::vector<new_order>& xs) {
  std::vector<order_result> out(xs.size());
  std::vector<persistence::order_record> records;
  records.reserve(xs.size());
  for (const auto& x : xs)
    records.push_back(to_record(make_order(x)));
  auto err = to_error(store.insert_all(records), errc::order_not_found);
  for (size_t i = 0; i < records.size(); ++i) {
    if (err)
      out[i].err = err;
    else
      out[i].value = to_wire(std::move(records[i]));
  }
  return out;
}

caf::expected<order_page> list_orders(const persistence::order_store& store,
                                      const order_query& q, size_t max_bytes) {
  auto window = to_store(q.window);
  // Before the read: this node writes on the thread that reads, so no order
  // is in flight and every order below it that will ever exist is visible.
  auto watermark = seal_id();
  auto result = q.user_id.empty()
                    ? store.list(window, max_bytes)
                    : store.list_by_user(q.user_id, window, max_bytes);
  if (!result)
    return to_error(result.error(), errc::order_not_found);
  order_page out;
  out.more = result->more;
  out.full = result->more;
  out.watermark = std::move(watermark);
  out.items.reserve(result->items.size());
  for (auto& rec : result->items)
    out.items.push_back(to_wire(std::move(rec)));
  return out;
}

size_t estimated_wire_size(const order_page& x) {
  size_t n = 0;
  for (auto& o : x.items)
    n += estimated_wire_size(o);
  return n;
}

caf::expected<order> find_order(const persistence::order_store& store,
                                const std::string& id) {
  if (!is_valid_id(id))
    return not_found(errc::order_not_found);
  auto rec = store.get(id);
  if (!rec)
    return to_error(rec.error(), errc::order_not_found);
  return to_wire(std::move(*rec));
}

} // namespace microshop::actors
