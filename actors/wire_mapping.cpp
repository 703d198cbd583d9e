#include "actors/wire_mapping.hpp"

#include "persistence/order_store.hpp"

namespace microshop::actors {

caf::error to_error(const persistence::store_error& err, errc not_found_code) {
  using persistence::store_errc;
  switch (err.code) {
  case store_errc::none:
    return caf::none;
  case store_errc::not_found:
    return not_found(not_found_code);
  case store_errc::duplicate:
    return caf::make_error(errc::duplicate, err.detail + " already taken");
  case store_errc::failure:
    break;
  }
  return caf::make_error(errc::storage, err.detail);
}

user to_wire(const persistence::user_record& rec) {
  return {rec.id, rec.username, rec.email, rec.created_ms};
}

order to_wire(persistence::order_record rec) {
  order x;
  x.id = std::move(rec.id);
  x.user_id = std::move(rec.user_id);
  x.products.reserve(rec.products.size());
  for (auto& p : rec.products)
    x.products.push_back({std::move(p.product_id), p.quantity, p.price_cents});
  x.total_cents = rec.total_cents;
  x.status = std::move(rec.status);
  x.created_ms = rec.created_ms;
  return x;
}

persistence::order_record to_record(order x) {
  persistence::order_record rec;
  rec.id = std::move(x.id);
  rec.user_id = std::move(x.user_id);
  rec.products.reserve(x.products.size());
  for (auto& p : x.products)
    rec.products.push_back(
        {std::move(p.product_id), p.quantity, p.price_cents});
  rec.total_cents = x.total_cents;
  rec.status = std::move(x.status);
  rec.created_ms = x.created_ms;
  return rec;
}

persistence::page to_store(const page& p) {
  return {p.after, p.limit};
}

size_t estimated_wire_size(const order& x) {
  return persistence::estimated_wire_size(to_record(x));
}

} // namespace microshop::actors
