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

caf::expected<order_page> list_orders(const persistence::order_store& store,
                                      const order_query& q) {
  auto result = q.user_id.empty() ? store.list(q.window)
                                  : store.list_by_user(q.user_id, q.window);
  if (!result)
    return std::move(result.error());
  return order_page{std::move(result->items), result->more};
}

caf::expected<order> find_order(const persistence::order_store& store,
                                const std::string& id) {
  if (!is_valid_id(id))
    return caf::make_error(persistence::errc::order_not_found,
                           "Order not found");
  return store.get(id);
}

} // namespace microshop::actors
