#include "actors/order_service.hpp"

#include "actors/errc.hpp"
#include "actors/order_logic.hpp"
#include "actors/user_api.hpp"
#include "actors/validation.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <functional>
#include <malloc.h>
#include <unordered_map>
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

/// Orders being created while their users are verified.
struct create_batch {
  std::vector<new_order> orders;
  /// One per order; filled as the steps fail or succeed.
  std::vector<order_result> results;
  /// Positions of the orders still in play (valid, then verified).
  std::vector<size_t> pending;
  /// Receives `results` once every order has its outcome.
  std::function<void(std::vector<order_result>)> answer;

  /// Whether `answer` has been called.
  bool answered = false;

  /// Fails every pending order with `err` and answers, unless answered.
  void fail_pending(const caf::error& err) {
    if (answered)
      return;
    for (auto i : pending)
      results[i].err = err;
    pending.clear();
    finish();
  }

  /// Answers with `results`, unless answered.
  void finish() {
    if (answered)
      return;
    answered = true;
    answer(std::move(results));
  }
};

struct front_state {
  peer_link<user_actor> users;
  /// Batches whose verify request to `users` awaits its answer, by a key of
  /// their own: CAF 0.17 never fails a request to a peer that died, so the
  /// front fails these itself when the link goes down.
  std::unordered_map<uint64_t, std::shared_ptr<create_batch>> verifying;
  uint64_t next_batch = 0;
};

using front_ptr = order_front_actor::stateful_pointer<front_state>;

/// Answers every batch still waiting for the user node `unavailable` (their
/// orders are not stored).
void fail_verifying(front_ptr self) {
  auto batches = std::move(self->state.verifying);
  self->state.verifying.clear();
  for (auto& [key, b] : batches)
    b->fail_pending(user_service_unavailable());
}

/// Creates `xs` (one order or a batch): validates each, asks the user node
/// to verify the users of the valid ones with one request and a finite
/// timeout, and stores the verified ones in one write. `answer` receives one
/// result per order, in order; nothing is stored for an order whose user was
/// not confirmed.
void create_orders(front_ptr self, const store_ptr& store,
                   const order_service_config& cfg, std::vector<new_order> xs,
                   std::function<void(std::vector<order_result>)> answer) {
  auto b = std::make_shared<create_batch>();
  b->answer = std::move(answer);
  b->results.resize(xs.size());
  std::vector<std::string> user_ids;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (auto err = validate(xs[i])) {
      b->results[i].err = std::move(err);
    } else {
      b->pending.push_back(i);
      user_ids.push_back(xs[i].user_id);
    }
  }
  if (b->pending.empty() || !self->state.users.connected())
    return b->fail_pending(user_service_unavailable());
  b->orders = std::move(xs);
  auto key = self->state.next_batch++;
  self->state.verifying.emplace(key, b);
  self->request(self->state.users.handle(), cfg.verify_timeout, verify_atom_v,
                std::move(user_ids))
      .then(
          [=](std::vector<bool>& exists) {
            self->state.verifying.erase(key);
            if (b->answered)
              return;
            if (exists.size() != b->pending.size())
              return b->fail_pending(user_service_unavailable());
            std::vector<new_order> verified;
            std::vector<size_t> verified_at;
            for (size_t j = 0; j < exists.size(); ++j) {
              auto i = b->pending[j];
              if (exists[j]) {
                verified.push_back(std::move(b->orders[i]));
                verified_at.push_back(i);
              } else {
                b->results[i].err = not_found(errc::user_not_found);
              }
            }
            // Ids and createdAt are taken now, when the orders are stored,
            // so that ids follow the order of the writes and `after` skips
            // none (see store_orders).
            auto stored = store_orders(*store, verified);
            for (size_t j = 0; j < stored.size(); ++j)
              b->results[verified_at[j]] = std::move(stored[j]);
            b->pending.clear();
            b->finish();
          },
          [=](caf::error&) {
            self->state.verifying.erase(key);
            b->fail_pending(user_service_unavailable());
          });
}

order_front_actor::behavior_type order_front(front_ptr self,
                                             const store_ptr& store,
                                             const order_service_config& cfg) {
  if (cfg.fixed_users) {
    self->state.users = peer_link<user_actor>{cfg.fixed_users};
    self->monitor(cfg.fixed_users);
  } else {
    self->state.users = peer_link<user_actor>{cfg.users, cfg.connect_timeout};
  }
  self->set_down_handler([self](caf::down_msg& dm) {
    if (self->state.users.on_down(dm)) {
      fail_verifying(self);
      self->state.users.poll(self);
    }
  });
  self->state.users.poll(self);
  self->delayed_send(self, tick_interval, tick_atom_v);
  return {
      [=](hello_atom, const hello& h) -> caf::result<std::string> {
        return answer_hello(h, cfg.node_name, cfg.map);
      },
      [=](tick_atom) {
        // glibc keeps what large answers and their BASP buffers freed
        // (measured after 200 pipelined 1 MiB pages, once the edge's link
        // closed: 131-140 MB kept without this, 48-61 MB with it).
        if (mallinfo2().fordblks >= cfg.trim_free_bytes)
          malloc_trim(0);
        self->state.users.poll(self);
        self->delayed_send(self, tick_interval, tick_atom_v);
      },
      [=](create_atom, new_order& x) -> caf::result<order> {
        auto rp = self->make_response_promise<order>();
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
        auto rp = self->make_response_promise<std::vector<order_result>>();
        create_orders(self, store, cfg, std::move(xs),
                      [rp](std::vector<order_result> rs) mutable {
                        rp.deliver(std::move(rs));
                      });
        return rp;
      },
      [=](get_atom, const std::string& id) -> caf::result<order> {
        return find_order(*store, id);
      },
      [=](list_atom, const order_query& q) -> caf::result<order_page> {
        return list_orders(*store, q, cfg.list_budget);
      },
  };
}

} // namespace

order_actor spawn_order_service(caf::actor_system& sys, store_ptr store,
                                const order_service_config& cfg,
                                bool detached) {
  auto impl = detached
                  ? sys.spawn<caf::detached>(order_front, std::move(store), cfg)
                  : sys.spawn(order_front, std::move(store), cfg);
  return caf::actor_cast<order_actor>(std::move(impl));
}

} // namespace microshop::actors
