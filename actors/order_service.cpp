#include "actors/order_service.hpp"

#include "actors/errc.hpp"
#include "actors/idempotency.hpp"
#include "actors/ids.hpp"
#include "actors/log.hpp"
#include "actors/node_metrics.hpp"
#include "actors/order_logic.hpp"
#include "actors/peer_group.hpp"
#include "actors/request_log.hpp"
#include "actors/uniqueness.hpp"
#include "actors/user_api.hpp"
#include "actors/validation.hpp"
#include "actors/wire_mapping.hpp"

#include <algorithm>
#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/typed_broker.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <functional>
#include <malloc.h>
#include <unordered_set>
#include <vector>

namespace microshop::actors {

namespace {

using store_ptr = std::shared_ptr<persistence::order_store>;

constexpr auto tick_interval = std::chrono::milliseconds(100);

/// The published interface plus the front's own timer.
using order_front_actor = order_actor::extend<caf::reacts_to<tick_atom>>;

caf::error user_service_unavailable() {
  return caf::make_error(errc::unavailable, "User service unavailable");
}

/// Orders being created while their users are verified, by group: one group
/// per user node that owns some of their users.
struct create_batch {
  std::vector<new_order> orders;
  /// One per order; filled as the steps fail or succeed.
  std::vector<order_result> results;
  /// Positions of the orders whose user was confirmed.
  std::vector<size_t> verified;
  /// Groups whose user node has not answered yet.
  size_t groups_left = 0;
  /// One per order: the fingerprint of an order whose Idempotency-Key this
  /// batch holds in progress, else empty.
  std::vector<std::string> fps;
  /// The outcomes of keyed orders refused by a rule or an unknown user,
  /// stored with the batch's orders.
  std::vector<persistence::key_entry> refused;
  /// Receives `results` once every order has its outcome.
  std::function<void(std::vector<order_result>)> answer;
};

struct front_state {
  /// Links to the user nodes, by their index in the map.
  peer_group<user_actor> users;
  /// The Idempotency-Keys (scoped by user id) of the orders being created.
  std::unordered_set<std::string> keys_in_progress;
};

/// The front on a thread of its own or on the scheduler.
using front_actor = order_front_actor::stateful_base<front_state>;

/// The front as a broker: on the middleman's thread.
using front_broker = order_front_actor::stateful_broker_base<front_state>;

/// The in-progress name of the key of `x`, unique per (user id, key).
std::string held_key(const new_order& x) {
  auto out = std::to_string(x.user_id.size());
  out += ':';
  out += x.user_id;
  out += x.idempotency_key;
  return out;
}

/// Stores the verified orders of `b` and the outcomes of its keys in one
/// write, lets go of its keys and answers.
template <class Self>
void store_and_answer(Self* self, persistence::order_store& store,
                      create_batch& b) {
  // The keys this batch holds, named before the verified orders move out.
  std::vector<std::string> held_here;
  for (size_t i = 0; i < b.fps.size(); ++i)
    if (!b.fps[i].empty())
      held_here.push_back(held_key(b.orders[i]));
  // The request ids, for the log lines about each order's outcome.
  std::vector<std::string> rids(b.orders.size());
  for (size_t i = 0; i < b.orders.size(); ++i)
    rids[i] = std::move(b.orders[i].request_id);
  std::sort(b.verified.begin(), b.verified.end());
  std::vector<new_order> verified;
  std::vector<std::string> fps;
  verified.reserve(b.verified.size());
  fps.reserve(b.verified.size());
  for (auto i : b.verified) {
    fps.push_back(b.fps[i]);
    verified.push_back(std::move(b.orders[i]));
  }
  // Ids and createdAt are taken now, when the orders are stored, so that ids
  // follow the order of the writes and `after` skips none (see store_orders).
  auto stored = store_orders(store, verified, fps, b.refused);
  if (!verified.empty())
    for (size_t j = 0; j < stored.size(); ++j)
      b.results[b.verified[j]] = std::move(stored[j]);
  for (auto& name : held_here)
    self->state.keys_in_progress.erase(name);
  for (size_t i = 0; i < b.results.size(); ++i)
    log_outcome("order_create", rids[i], b.results[i].err,
                {"order_id", b.results[i].value.id});
  b.answer(std::move(b.results));
}

/// Decides the key of `x` (which has one) for the order at `i` of `b`:
/// refuses it, answers its stored outcome again, or holds it in progress for
/// this batch; true when the order goes on to be created.
template <class Self>
bool admit_key(Self* self, const persistence::order_store& store,
               create_batch& b, size_t i, const new_order& x) {
  auto& res = b.results[i];
  if (!is_valid_idempotency_key(x.idempotency_key)) {
    res.err = idempotency_key_rule();
    return false;
  }
  auto fp = fingerprint(x);
  auto name = held_key(x);
  auto& held = self->state.keys_in_progress;
  bool busy = held.count(name) > 0;
  std::optional<persistence::key_record> stored;
  if (!busy) {
    auto got = store.get_key(x.user_id, x.idempotency_key);
    if (!got) {
      res.err = to_error(got.error(), errc::order_not_found);
      return false;
    }
    stored = std::move(*got);
  }
  switch (decide_key(stored, fp, busy)) {
  case key_verdict::in_progress:
    res.err = key_in_progress();
    return false;
  case key_verdict::mismatch:
    res.err = key_reused();
    return false;
  case key_verdict::replay:
    res = replay_order(store, *stored);
    return false;
  case key_verdict::fresh:
    break;
  }
  held.insert(std::move(name));
  b.fps[i] = std::move(fp);
  return true;
}

/// Records that the keyed order at `i` of `b` was refused with `err` by the
/// node (a rule, an unknown user): its outcome is stored with the batch.
void refuse_keyed(create_batch& b, size_t i, const caf::error& err) {
  b.results[i].err = err;
  if (!b.fps[i].empty() && is_stored_refusal(err))
    b.refused.push_back({b.orders[i].user_id, b.orders[i].idempotency_key,
                         refused_outcome(b.fps[i], err)});
}

/// Creates `xs` (one order or a batch): decides each order's Idempotency-Key,
/// validates each, asks each user node that owns some of the valid orders'
/// users to verify them with one request and a finite timeout, and stores
/// the verified ones (with the outcomes of their keys) in one write once
/// every node answered. `answer` receives one result per order, in order;
/// nothing is stored for an order whose user was not confirmed, and a node
/// that is down or late fails only its own orders (`errc::unavailable`,
/// whose keys are not stored: a retry runs again).
template <class Self>
void create_orders(Self* self, const store_ptr& store,
                   const order_service_config& cfg, std::vector<new_order> xs,
                   std::function<void(std::vector<order_result>)> answer) {
  auto b = std::make_shared<create_batch>();
  b->answer = std::move(answer);
  b->results.resize(xs.size());
  b->fps.resize(xs.size());
  b->orders = std::move(xs);
  std::vector<size_t> valid;
  std::vector<std::string> user_ids;
  for (size_t i = 0; i < b->orders.size(); ++i) {
    auto& x = b->orders[i];
    // A user id that no user can have is refused the same way on every
    // retry: its key is not stored (nor scoped by an arbitrary string).
    if (!x.idempotency_key.empty() && is_valid_id(x.user_id) &&
        !admit_key(self, *store, *b, i, x))
      continue;
    if (auto err = validate(x)) {
      refuse_keyed(*b, i, err);
    } else {
      valid.push_back(i);
      user_ids.push_back(x.user_id);
    }
  }
  if (valid.empty())
    return store_and_answer(self, *store, *b);
  auto groups = split_by_node(cfg.map, service::users, user_ids);
  for (auto& g : groups)
    if (!g.empty())
      ++b->groups_left;
  for (size_t node = 0; node < groups.size(); ++node) {
    if (groups[node].empty())
      continue;
    std::vector<size_t> at;
    std::vector<id_query> ids;
    at.reserve(groups[node].size());
    ids.reserve(groups[node].size());
    for (auto k : groups[node]) {
      at.push_back(valid[k]);
      ids.push_back({std::move(user_ids[k]), b->orders[valid[k]].request_id});
    }
    self->state.users.template ask<std::vector<bool>>(
        self, node, cfg.verify_timeout,
        [self, b, store, at, peer = cfg.map.nodes(service::users)[node]](
            caf::expected<std::vector<bool>> exists) {
          if (!exists) {
            std::vector<std::string_view> rids;
            for (auto k : at)
              rids.emplace_back(b->orders[k].request_id);
            log_peer_failure(peer, "verify", exists.error(), rids);
          }
          if (!exists || exists->size() != at.size()) {
            for (auto i : at)
              b->results[i].err = user_service_unavailable();
          } else {
            for (size_t j = 0; j < at.size(); ++j) {
              if ((*exists)[j])
                b->verified.push_back(at[j]);
              else
                refuse_keyed(*b, at[j], not_found(errc::user_not_found));
            }
          }
          if (--b->groups_left == 0)
            store_and_answer(self, *store, *b);
        },
        verify_atom_v, std::move(ids));
  }
}

/// The links to the user nodes of `cfg.map`, by index: `cfg.fixed_users`
/// when given (monitored by `self`), else connections to `cfg.user_nodes`.
template <class Self>
peer_group<user_actor> user_links(Self* self, const order_service_config& cfg) {
  const auto& names = cfg.map.nodes(service::users);
  std::vector<peer_link<user_actor>> links(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    if (!cfg.fixed_users.empty()) {
      if (i < cfg.fixed_users.size() && cfg.fixed_users[i]) {
        links[i] = peer_link<user_actor>{cfg.fixed_users[i]};
        self->monitor(cfg.fixed_users[i]);
      }
      continue;
    }
    for (auto& a : cfg.user_nodes)
      if (a.name == names[i])
        links[i] = peer_link<user_actor>{
            {a.host, a.port},
            cfg.connect_timeout,
            hello{cfg.node_name, names[i], cfg.map.digest()},
            cfg.make_connector};
  }
  return {std::move(links), user_service_unavailable()};
}

template <class Self>
order_front_actor::behavior_type order_front(Self* self, const store_ptr& store,
                                             const order_service_config& cfg) {
  self->state.users = user_links(self, cfg);
  // Verify timeouts on the 100 ms tick below, not a CAF timer per batch.
  self->state.users.expire_on_tick();
  self->set_down_handler(
      [self](caf::down_msg& dm) { self->state.users.on_down(self, dm); });
  self->state.users.poll(self);
  self->delayed_send(self, tick_interval, tick_atom_v);
  return {
      [=](hello_atom, const hello& h) -> caf::result<std::string> {
        return answer_hello(h, cfg.node_name, cfg.map);
      },
      [=](links_atom) -> caf::result<std::vector<link_state>> {
        return self->state.users.states(cfg.map.nodes(service::users));
      },
      [=](tick_atom) {
        // glibc keeps what large answers and their BASP buffers freed
        // (measured after 200 pipelined 1 MiB pages, once the edge's link
        // closed: 131-140 MB kept without this, 48-61 MB with it).
        if (mallinfo2().fordblks >= cfg.trim_free_bytes)
          malloc_trim(0);
        self->state.users.expire(self->clock().now());
        self->state.users.poll(self);
        self->delayed_send(self, tick_interval, tick_atom_v);
      },
      [=](create_atom, new_order& x) -> caf::result<order> {
        auto rp = self->template make_response_promise<order>();
        std::vector<new_order> one;
        one.push_back(std::move(x));
        create_orders(self, store, cfg, std::move(one),
                      [rp](std::vector<order_result> rs) mutable {
                        if (rs[0].err)
                          rp.deliver(std::move(rs[0].err));
                        else
                          rp.deliver(std::move(rs[0].value));
                      });
        return rp;
      },
      [=](create_atom, std::vector<new_order>& xs)
          -> caf::result<std::vector<order_result>> {
        auto rp =
            self->template make_response_promise<std::vector<order_result>>();
        create_orders(self, store, cfg, std::move(xs),
                      [rp](std::vector<order_result> rs) mutable {
                        rp.deliver(std::move(rs));
                      });
        return rp;
      },
      [=](get_atom, const id_query& q) -> caf::result<order> {
        auto found = find_order(*store, q.id);
        if (!found || log_enabled(log_level::debug))
          log_outcome("order_read", q.request_id,
                      found ? caf::error{} : found.error(), {"order_id", q.id});
        return found;
      },
      [=](metrics_atom) -> caf::result<metric_samples> {
        metric_samples out;
        add_store_samples(out, store->stats());
        add_peer_group_samples(out, self->state.users,
                               cfg.map.nodes(service::users));
        return out;
      },
      [=](list_atom, const order_query& q) -> caf::result<order_page> {
        return list_orders(*store, q, cfg.list_budget);
      },
  };
}

} // namespace

order_actor spawn_order_service(caf::actor_system& sys, store_ptr store,
                                const order_service_config& cfg,
                                order_home home) {
  if (home == order_home::middleman && sys.has_middleman())
    return caf::actor_cast<order_actor>(sys.middleman().spawn_broker(
        order_front<front_broker>, std::move(store), cfg));
  auto impl = home == order_home::scheduler
                  ? sys.spawn(order_front<front_actor>, std::move(store), cfg)
                  : sys.spawn<caf::detached>(order_front<front_actor>,
                                             std::move(store), cfg);
  return caf::actor_cast<order_actor>(std::move(impl));
}

} // namespace microshop::actors
