#include "actors/user_service.hpp"

#include "actors/errc.hpp"
#include "actors/log.hpp"
#include "actors/node_metrics.hpp"
#include "actors/request_log.hpp"
#include "actors/user_front.hpp"
#include "actors/user_reader.hpp"
#include "actors/validation.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <vector>

namespace microshop::actors {

namespace {

using store_ptr = std::shared_ptr<persistence::user_store>;

/// How often the front polls its links to the other user nodes.
constexpr auto tick_interval = std::chrono::milliseconds(100);

/// The links to the other user nodes of `cfg.map`, by their index in it
/// (this node's own stays unused, as does one without an address).
peer_group<user_actor> peer_links(const user_service_config& cfg,
                                  size_t self_index) {
  const auto& names = cfg.map.nodes(service::users);
  std::vector<peer_link<user_actor>> links(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    if (i == self_index)
      continue;
    for (auto& a : cfg.peers)
      if (a.name == names[i])
        links[i] = peer_link<user_actor>{
            {a.host, a.port},
            cfg.connect_timeout,
            hello{cfg.node_name, names[i], cfg.map.digest()},
            cfg.make_connector};
  }
  return {std::move(links), peer_unavailable()};
}

/// The published user actor, on a thread of its own: it answers reads,
/// verifications, lookups, claims and releases itself (RocksDB point reads
/// and writes; no hop to another thread), claims a create's username and
/// email before it takes a hash slot, and hands the others to an idle hash
/// worker or the bounded hash queue.
user_front_actor::behavior_type user_front(front_pointer self, store_ptr store,
                                           user_service_config cfg) {
  auto& st = self->state;
  st.store = std::move(store);
  st.cfg = std::move(cfg);
  st.self_index =
      st.cfg.map.index_of(service::users, st.cfg.node_name).value_or(0);
  st.shards = shard_cycle{st.cfg.map.shards_of(service::users, st.self_index)};
  st.queue =
      hash_queue<pending_create>{st.cfg.hash_queue, st.cfg.hash_max_wait};
  st.peers = peer_links(st.cfg, st.self_index);
  spawn_hash_workers(self);
  self->set_down_handler(
      [self](caf::down_msg& dm) { self->state.peers.on_down(self, dm); });
  st.peers.poll(self);
  self->delayed_send(self, tick_interval, tick_atom_v);
  return {
      [=](tick_atom) {
        self->state.peers.poll(self);
        self->delayed_send(self, tick_interval, tick_atom_v);
      },
      [=](hello_atom, const hello& h) -> caf::result<std::string> {
        auto& cfg = self->state.cfg;
        return answer_hello(h, cfg.node_name, cfg.map);
      },
      [=](links_atom) -> caf::result<std::vector<link_state>> {
        auto& st = self->state;
        return st.peers.states(st.cfg.map.nodes(service::users), st.self_index);
      },
      [=](claim_atom, unique_claim& c) -> caf::result<bool> {
        auto& st = self->state;
        if (auto err = check_claim(c, st.cfg.map, st.self_index))
          return err;
        // Only for a user being created: a peer cannot make an entry point
        // at a stored user (which would block the name for good).
        auto rp = self->make_response_promise<bool>();
        auto claim = std::make_shared<unique_claim>(std::move(c));
        lookup_anywhere(
            self, claim->owner, st.cfg.peer_timeout / 2,
            [self, claim, rp](caf::expected<id_state> state) {
              auto promise = rp;
              if (!state) {
                promise.deliver(peer_unavailable());
                return;
              }
              if (*state != id_state::in_flight) {
                promise.deliver(caf::make_error(
                    errc::invalid, "claim for a user not being created"));
                return;
              }
              claim_at_entry(self, *claim, [promise](caf::error err) mutable {
                if (err)
                  promise.deliver(std::move(err));
                else
                  promise.deliver(true);
              });
            });
        return rp;
      },
      [=](release_atom, const unique_claim& c) -> caf::result<bool> {
        auto& st = self->state;
        if (auto err = check_claim(c, st.cfg.map, st.self_index))
          return err;
        // Never for a stored user: its entries are what keeps its names.
        auto rp = self->make_response_promise<bool>();
        auto claim = std::make_shared<unique_claim>(c);
        lookup_anywhere(self, claim->owner, st.cfg.peer_timeout / 2,
                        [self, claim, rp](caf::expected<id_state> state) {
                          auto promise = rp;
                          if (!state) {
                            promise.deliver(peer_unavailable());
                            return;
                          }
                          if (*state == id_state::committed) {
                            promise.deliver(false);
                            return;
                          }
                          auto released =
                              release_claim(*self->state.store, *claim);
                          if (!released) {
                            promise.deliver(std::move(released.error()));
                            return;
                          }
                          promise.deliver(*released);
                        });
        return rp;
      },
      [=](lookup_atom, const std::string& id) -> caf::result<id_state> {
        auto& st = self->state;
        return lookup_id(*st.store, *st.ids, st.cfg.map, st.self_index, id);
      },
      [=](create_atom, new_user& x) -> caf::result<user> {
        if (auto err = admit_create(x)) {
          log_outcome("user_create", x.request_id, err);
          return err;
        }
        auto rp = self->make_response_promise<user>();
        auto rid = x.request_id;
        start_create(self, std::move(x), [rp, rid](user_result r) mutable {
          log_outcome("user_create", rid, r.err, {"user_id", r.value.id});
          if (r.err)
            rp.deliver(std::move(r.err));
          else
            rp.deliver(std::move(r.value));
        });
        return rp;
      },
      [=](create_atom, new_user& x,
          std::string& key) -> caf::result<user_result> {
        auto rp = self->make_response_promise<user_result>();
        auto rid = x.request_id;
        start_keyed_create(
            self, std::move(x), std::move(key),
            [rp, rid](user_result r) mutable {
              log_outcome("user_create", rid, r.err, {"user_id", r.value.id});
              rp.deliver(std::move(r));
            });
        return rp;
      },
      [=](get_atom, const std::string& id) -> caf::result<user> {
        return find_user(*self->state.store, id);
      },
      [=](list_atom, const page& p) -> caf::result<user_page> {
        return list_users(*self->state.store, p, *self->state.ids);
      },
      [=](verify_atom, const std::string& id) -> caf::result<bool> {
        return user_exists(*self->state.store, id);
      },
      [=](get_atom,
          std::vector<id_query>& qs) -> caf::result<std::vector<user_result>> {
        return read_batch(*self->state.store, qs);
      },
      [=](verify_atom,
          std::vector<id_query>& qs) -> caf::result<std::vector<bool>> {
        return verify_batch(*self->state.store, qs);
      },
      [=](metrics_atom) -> caf::result<metric_samples> {
        auto& st = self->state;
        metric_samples out;
        add_store_samples(out, st.store->stats());
        out.push_back({"microshop_hash_queue_length",
                       {},
                       static_cast<double>(st.queue.size())});
        out.push_back({"microshop_hash_workers_idle",
                       {},
                       static_cast<double>(st.idle.size())});
        add_peer_group_samples(out, st.peers, st.cfg.map.nodes(service::users),
                               st.self_index);
        return out;
      },
  };
}

} // namespace

user_actor spawn_user_service(caf::actor_system& sys, store_ptr store,
                              const user_service_config& cfg) {
  auto impl = sys.spawn<caf::detached>(user_front, store, cfg);
  auto front = caf::actor_cast<user_actor>(std::move(impl));
  if (!sys.has_middleman())
    return front;
  return spawn_user_reader(sys, std::move(store), std::move(front));
}

} // namespace microshop::actors
