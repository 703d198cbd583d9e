#include "actors/uniqueness.hpp"

#include "actors/ascii.hpp"
#include "actors/errc.hpp"
#include "actors/wire_mapping.hpp"

namespace microshop::actors {

std::string_view to_string(unique_field f) {
  return f == unique_field::username ? "username" : "email";
}

persistence::unique_key to_store(unique_field f) {
  return f == unique_field::username ? persistence::unique_key::username
                                     : persistence::unique_key::email;
}

caf::error duplicate_error(unique_field f) {
  return to_error(persistence::store_error{persistence::store_errc::duplicate,
                                           std::string{to_string(f)}});
}

std::array<unique_claim, 2> claims_of(const new_user& x,
                                      const std::string& owner) {
  std::array<unique_claim, 2> out{
      unique_claim{unique_field::username, {}, owner},
      unique_claim{unique_field::email, {}, owner}};
  append_lower(out[0].key, x.username);
  append_lower(out[1].key, x.email);
  return out;
}

size_t entry_node(const shard_map& map, const unique_claim& c) {
  return map.owner(service::users,
                   shard_of_key(to_string(c.field), c.key, map.shards()));
}

std::vector<std::vector<size_t>>
split_by_node(const shard_map& map, service s,
              const std::vector<std::string>& ids) {
  std::vector<std::vector<size_t>> out(map.nodes(s).size());
  for (size_t i = 0; i < ids.size(); ++i)
    out[node_of_id(map, s, ids[i])].push_back(i);
  return out;
}

shard_cycle::shard_cycle(std::vector<uint32_t> shards)
    : shards_(std::move(shards)) {
  // nop
}

uint8_t shard_cycle::next() {
  auto s = shards_[next_];
  next_ = (next_ + 1) % shards_.size();
  return static_cast<uint8_t>(s);
}

claim_verdict decide_claim(std::string_view entry_owner,
                           std::string_view claimant) {
  return entry_owner == claimant ? claim_verdict::held
                                 : claim_verdict::ask_owner;
}

claim_verdict decide_claim(id_state other) {
  return other == id_state::absent ? claim_verdict::take_over
                                   : claim_verdict::refused;
}

caf::expected<claim_step> begin_claim(persistence::user_store& store,
                                      const unique_claim& c) {
  auto owner = store.claim_entry(to_store(c.field), c.key, c.owner);
  if (!owner)
    return to_error(owner.error());
  if (decide_claim(*owner, c.owner) == claim_verdict::held)
    return claim_step{true, {}};
  return claim_step{false, std::move(*owner)};
}

caf::expected<claim_step> continue_claim(persistence::user_store& store,
                                         const unique_claim& c,
                                         const std::string& other,
                                         id_state state) {
  if (decide_claim(state) == claim_verdict::refused)
    return duplicate_error(c.field);
  auto won = store.swap_entry(to_store(c.field), c.key, other, c.owner);
  if (!won)
    return to_error(won.error());
  if (*won)
    return claim_step{true, {}};
  // Another claim took it over, or its owner released it: decide again.
  return begin_claim(store, c);
}

caf::expected<bool> release_claim(persistence::user_store& store,
                                  const unique_claim& c) {
  return to_expected(store.release_entry(to_store(c.field), c.key, c.owner));
}

caf::expected<id_state> lookup_id(const persistence::user_store& store,
                                  const pending_ids& ids, const shard_map& map,
                                  size_t self, const std::string& id) {
  if (node_of_id(map, service::users, id) != self)
    return caf::make_error(errc::misconfigured,
                           "id " + id + " is not in a shard of this node");
  if (ids.in_flight(id))
    return id_state::in_flight;
  auto stored = to_expected(store.contains(id));
  if (!stored)
    return std::move(stored.error());
  return *stored ? id_state::committed : id_state::absent;
}

caf::error check_claim(const unique_claim& c, const shard_map& map,
                       size_t self) {
  if (c.key.empty() || !is_valid_id(c.owner))
    return invalid("claim: want a key and the id of its owner");
  if (entry_node(map, c) != self)
    return caf::make_error(errc::misconfigured,
                           std::string{to_string(c.field)} + " entry " + c.key +
                               " is not in a shard of this node");
  return caf::none;
}

caf::error claim_here(persistence::user_store& store, const pending_ids& ids,
                      const unique_claim& c) {
  // Each round that does not hold lost a compare-and-set to another claim;
  // a bound keeps a pathological race from spinning.
  constexpr int max_rounds = 16;
  auto step = begin_claim(store, c);
  for (int i = 0; i < max_rounds; ++i) {
    if (!step)
      return std::move(step.error());
    if (step->held)
      return caf::none;
    auto other = step->other;
    id_state state = id_state::absent;
    if (ids.in_flight(other)) {
      state = id_state::in_flight;
    } else {
      auto stored = to_expected(store.contains(other));
      if (!stored)
        return std::move(stored.error());
      state = *stored ? id_state::committed : id_state::absent;
    }
    step = continue_claim(store, c, other, state);
  }
  return caf::make_error(errc::unavailable, "claim contended");
}

} // namespace microshop::actors
