#include "actors/user_reader.hpp"

#include "actors/log.hpp"
#include "actors/user_logic.hpp"

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/typed_broker.hpp>
#include <string>
#include <utility>
#include <vector>

namespace microshop::actors {

namespace {

/// A broker with the user service's interface (CAF's own
/// `typed_actor::broker_base`).
using reader_broker = user_actor::broker_base;

using store_ptr = std::shared_ptr<persistence::user_store>;

/// The ids of `qs`, moved out of them.
std::vector<std::string> take_ids(std::vector<id_query>& qs) {
  std::vector<std::string> ids;
  ids.reserve(qs.size());
  for (auto& q : qs)
    ids.push_back(std::move(q.id));
  return ids;
}

reader_broker::behavior_type user_reader(reader_broker* self, store_ptr store,
                                         user_actor front) {
  self->link_to(front);
  return {
      [=](hello_atom a, hello& h) -> caf::result<std::string> {
        return self->delegate(front, a, std::move(h));
      },
      [=](links_atom a) -> caf::result<std::vector<link_state>> {
        return self->delegate(front, a);
      },
      [=](claim_atom a, unique_claim& c) -> caf::result<bool> {
        return self->delegate(front, a, std::move(c));
      },
      [=](release_atom a, unique_claim& c) -> caf::result<bool> {
        return self->delegate(front, a, std::move(c));
      },
      [=](lookup_atom a, std::string& id) -> caf::result<id_state> {
        return self->delegate(front, a, std::move(id));
      },
      [=](create_atom a, new_user& x) -> caf::result<user> {
        return self->delegate(front, a, std::move(x));
      },
      [=](create_atom a, new_user& x,
          std::string& key) -> caf::result<user_result> {
        return self->delegate(front, a, std::move(x), std::move(key));
      },
      [=](list_atom a, page& p) -> caf::result<user_page> {
        // A list needs the ids in flight, which only the front knows.
        return self->delegate(front, a, std::move(p));
      },
      [=](metrics_atom a) -> caf::result<metric_samples> {
        return self->delegate(front, a);
      },
      [=](get_atom, const std::string& id) -> caf::result<user> {
        return find_user(*store, id);
      },
      [=](verify_atom, const std::string& id) -> caf::result<bool> {
        return user_exists(*store, id);
      },
      [=](get_atom,
          std::vector<id_query>& qs) -> caf::result<std::vector<user_result>> {
        return read_batch(*store, qs);
      },
      [=](verify_atom,
          std::vector<id_query>& qs) -> caf::result<std::vector<bool>> {
        return verify_batch(*store, qs);
      },
  };
}

} // namespace

std::vector<user_result> read_batch(const persistence::user_store& store,
                                    std::vector<id_query>& qs) {
  auto ids = take_ids(qs);
  auto found = find_users(store, ids);
  if (log_enabled(log_level::debug))
    for (size_t i = 0; i < qs.size() && i < found.size(); ++i)
      log_line{log_level::debug, "user_read"}
          .field("request_id", qs[i].request_id)
          .field("user_id", ids[i])
          .field("found", !found[i].err);
  return found;
}

caf::expected<std::vector<bool>>
verify_batch(const persistence::user_store& store, std::vector<id_query>& qs) {
  auto ids = take_ids(qs);
  auto exist = users_exist(store, ids);
  if (exist && log_enabled(log_level::debug))
    for (size_t i = 0; i < qs.size() && i < exist->size(); ++i)
      log_line{log_level::debug, "user_verified"}
          .field("request_id", qs[i].request_id)
          .field("user_id", ids[i])
          .field("exists", static_cast<bool>((*exist)[i]));
  return exist;
}

user_actor spawn_user_reader(caf::actor_system& sys, store_ptr store,
                             user_actor front) {
  auto reader = sys.middleman().spawn_broker(user_reader, std::move(store),
                                             std::move(front));
  return caf::actor_cast<user_actor>(std::move(reader));
}

} // namespace microshop::actors
