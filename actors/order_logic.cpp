#include "actors/order_logic.hpp"

#include "actors/errc.hpp"
#include "actors/idempotency.hpp"
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

std::vector<order_result>
store_orders(persistence::order_store& store, const std::vector<new_order>& xs,
             const std::vector<std::string>& fps,
             const std::vector<persistence::key_entry>& refused) {
  std::vector<order_result> out(xs.size());
  std::vector<persistence::order_record> records;
  records.reserve(xs.size());
  auto keys = refused;
  for (size_t i = 0; i < xs.size(); ++i) {
    records.push_back(to_record(make_order(xs[i])));
    if (!xs[i].idempotency_key.empty() && i < fps.size())
      keys.push_back({xs[i].user_id, xs[i].idempotency_key,
                      created_outcome(fps[i], records.back().id)});
  }
  auto err = to_error(store.insert_all(records, keys), errc::order_not_found);
  for (size_t i = 0; i < records.size(); ++i) {
    if (err)
      out[i].err = err;
    else
      out[i].value = to_wire(std::move(records[i]));
  }
  return out;
}

order_result replay_order(const persistence::order_store& store,
                          const persistence::key_record& rec) {
  order_result r;
  if (auto err = stored_refusal(rec)) {
    r.err = std::move(err);
    r.replayed = true;
    return r;
  }
  auto o = store.get(rec.text);
  if (!o) {
    r.err = caf::make_error(errc::storage,
                            "Idempotency-Key outcome without its order");
    return r;
  }
  r.value = to_wire(std::move(*o));
  r.replayed = true;
  return r;
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
