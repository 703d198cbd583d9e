// The user front's create with an Idempotency-Key: the key's rule and node,
// a stored outcome answered again, a key in progress or reused refused, else
// the create as any other, its outcome stored with the user it makes (see
// docs/idempotency.md).

#include "actors/errc.hpp"
#include "actors/idempotency.hpp"
#include "actors/user_front.hpp"
#include "actors/wire_mapping.hpp"

#include <caf/typed_event_based_actor.hpp>

namespace microshop::actors {

void start_keyed_create(front_pointer self, new_user x, std::string key,
                        create_answer answer) {
  auto& st = self->state;
  auto refuse = [&](caf::error err) {
    answer(user_result{std::move(err), {}, false});
  };
  if (!is_valid_idempotency_key(key))
    return refuse(idempotency_key_rule());
  if (key_node(st.cfg.map, key) != st.self_index)
    return refuse(caf::make_error(
        errc::misconfigured, "Idempotency-Key is not in a shard of this node"));
  auto fp = fingerprint(x);
  bool busy = st.keys_in_progress.count(key) > 0;
  std::optional<persistence::key_record> stored;
  if (!busy) {
    auto got = st.store->get_key(key);
    if (!got)
      return refuse(to_error(got.error()));
    stored = std::move(*got);
  }
  switch (decide_key(stored, fp, busy)) {
  case key_verdict::in_progress:
    return refuse(key_in_progress());
  case key_verdict::mismatch:
    return refuse(key_reused());
  case key_verdict::replay: {
    if (auto err = stored_refusal(*stored))
      return answer(user_result{std::move(err), {}, true});
    // The user it created, whatever this request's password: comparing it
    // would answer whether a password is right to anyone holding the key.
    auto rec = st.store->get(stored->text);
    if (!rec)
      return refuse(caf::make_error(
          errc::storage, "Idempotency-Key outcome without its user"));
    return answer(user_result{caf::none, to_wire(*rec), true});
  }
  case key_verdict::fresh:
    break;
  }
  if (auto err = admit_create(x)) {
    static_cast<void>(st.store->put_key({{}, key, refused_outcome(fp, err)}));
    return refuse(std::move(err));
  }
  st.keys_in_progress.insert(key);
  start_create(self, std::move(x), std::move(answer), std::move(key),
               std::move(fp));
}

} // namespace microshop::actors
