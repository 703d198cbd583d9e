#include "actors/user_logic.hpp"

#include "actors/ids.hpp"
#include "actors/validation.hpp"

namespace microshop::actors {

caf::error admit_create(const new_user& x) {
  return validate(x);
}

caf::expected<user> store_user(persistence::user_store& store,
                               const new_user& x, const std::string& id,
                               const pwhash_cost& cost,
                               const persistence::key_entry* key) {
  auto hash = hash_password(x.password, cost);
  if (!hash)
    return std::move(hash.error());
  persistence::user_record rec;
  rec.id = id;
  rec.username = x.username;
  rec.email = x.email;
  rec.password_hash = std::move(*hash);
  rec.created_ms = id_time_ms(rec.id);
  if (auto err = key ? store.put_record(rec, *key) : store.put_record(rec))
    return to_error(err);
  return to_wire(rec);
}

caf::expected<user> create_user(persistence::user_store& store,
                                const new_user& x, const pwhash_cost& cost,
                                pending_ids& ids) {
  if (auto err = admit_create(x))
    return err;
  pending_id id{ids};
  auto claims = claims_of(x, id.id());
  auto release = [&](size_t n) {
    for (size_t i = 0; i < n; ++i)
      static_cast<void>(release_claim(store, claims[i]));
  };
  for (size_t i = 0; i < claims.size(); ++i) {
    if (auto err = claim_here(store, ids, claims[i])) {
      release(i);
      return err;
    }
  }
  auto u = store_user(store, x, id.id(), cost);
  if (!u)
    release(claims.size());
  return u;
}

caf::expected<user> create_user(persistence::user_store& store,
                                const new_user& x, const pwhash_cost& cost) {
  pending_ids ids;
  return create_user(store, x, cost, ids);
}

caf::expected<user> find_user(const persistence::user_store& store,
                              const std::string& id) {
  if (!is_valid_id(id))
    return not_found(errc::user_not_found);
  auto rec = store.get(id);
  if (!rec)
    return to_error(rec.error());
  return to_wire(*rec);
}

user_page
page_below(const persistence::page_of<persistence::user_record>& records,
           const id_watermark& w) {
  user_page out;
  out.more = records.more || w.in_flight;
  out.watermark = w.id;
  out.full = records.more;
  out.items.reserve(records.items.size());
  for (const auto& rec : records.items) {
    if (rec.id >= w.id) {
      out.more = true;
      out.full = false;
      break;
    }
    out.items.push_back(to_wire(rec));
  }
  return out;
}

caf::expected<user_page> list_users(const persistence::user_store& store,
                                    const page& p, const pending_ids& ids) {
  // The watermark first: a user committed after it was taken has an id at
  // or above it, or shows up in the read below.
  auto w = ids.watermark();
  auto result = store.list(to_store(p));
  if (!result)
    return to_error(result.error());
  return page_below(*result, w);
}

caf::expected<user_page> list_users(const persistence::user_store& store,
                                    const page& p) {
  pending_ids ids;
  return list_users(store, p, ids);
}

caf::expected<bool> user_exists(const persistence::user_store& store,
                                const std::string& id) {
  if (!is_valid_id(id))
    return false;
  return to_expected(store.contains(id));
}

std::vector<user_result> find_users(const persistence::user_store& store,
                                    const std::vector<std::string>& ids) {
  std::vector<user_result> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    auto& r = out.emplace_back();
    if (auto u = find_user(store, id))
      r.value = std::move(*u);
    else
      r.err = std::move(u.error());
  }
  return out;
}

caf::expected<std::vector<bool>>
users_exist(const persistence::user_store& store,
            const std::vector<std::string>& ids) {
  std::vector<bool> out;
  out.reserve(ids.size());
  for (const auto& id : ids) {
    auto exists = user_exists(store, id);
    if (!exists)
      return std::move(exists.error());
    out.push_back(*exists);
  }
  return out;
}

} // namespace microshop::actors
