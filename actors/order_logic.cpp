#include "actors/order_logic.hpp"

#include "actors/ids.hpp"
#include "actors/money.hpp"
#include "actors/validation.hpp"
#include "persistence/errc.hpp"

namespace microshop::actors {

caf::expected<order> make_order(const new_order& x) {
  if (auto err = validate(x))
    return err;
  order o;
  o.id = new_id();
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
  std::vector<order> made;
  std::vector<size_t> made_at;
  made.reserve(xs.size());
  made_at.reserve(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    if (auto o = make_order(xs[i])) {
      made.push_back(std::move(*o));
      made_at.push_back(i);
    } else {
      out[i].err = std::move(o.error());
    }
  }
  auto err = store.insert_all(made);
  for (size_t j = 0; j < made.size(); ++j) {
    if (err)
      out[made_at[j]].err = err;
    else
      out[made_at[j]].value = std::move(made[j]);
  }
  return out;
}

caf::expected<order_page> list_orders(const persistence::order_store& store,
                                      const order_query& q, size_t max_bytes) {
  auto result = q.user_id.empty()
                    ? store.list(q.window, max_bytes)
                    : store.list_by_user(q.user_id, q.window, max_bytes);
  if (!result)
    return std::move(result.error());
  return order_page{std::move(result->items), result->more};
}

size_t estimated_wire_size(const order_page& x) {
  size_t n = 0;
  for (auto& o : x.items)
    n += persistence::estimated_wire_size(o);
  return n;
}

caf::expected<order> find_order(const persistence::order_store& store,
                                const std::string& id) {
  if (!is_valid_id(id))
    return caf::make_error(persistence::errc::order_not_found,
                           "Order not found");
  return store.get(id);
}

} // namespace microshop::actors
