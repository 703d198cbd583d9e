#include "actors/order_service.hpp"

#include "actors/order_logic.hpp"
#include "actors/user_api.hpp"
#include "actors/validation.hpp"
#include "persistence/errc.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <vector>

namespace microshop::actors {

namespace {

using persistence::errc;
using store_ptr = std::shared_ptr<persistence::order_store>;

constexpr auto tick_interval = std::chrono::milliseconds(100);

/// Store access on a thread of its own.
using order_store_actor =
    caf::typed_actor<caf::replies_to<store_atom, new_order>::with<order>,
                     caf::replies_to<get_atom, std::string>::with<order>,
                     caf::replies_to<list_atom, order_query>::with<order_page>>;

order_store_actor::behavior_type store_worker(order_store_actor::pointer,
                                              const store_ptr& store) {
  return {
      [=](store_atom, const new_order& x) -> caf::result<order> {
        // The id (and createdAt) is taken now, when the order is stored, so
        // that ids follow the order of the writes and `after` skips none.
        auto o = make_order(x);
        if (!o)
          return std::move(o.error());
        if (auto err = store->insert(*o))
          return err;
        return std::move(*o);
      },
      [=](get_atom, const std::string& id) -> caf::result<order> {
        return find_order(*store, id);
      },
      [=](list_atom, const order_query& q) -> caf::result<order_page> {
        return list_orders(*store, q);
      },
  };
}

/// The published interface plus the front's own timer.
using order_front_actor = order_actor::extend<caf::reacts_to<tick_atom>>;

struct front_state {
  peer_link<user_actor> users;
  std::vector<order_store_actor> workers;
  size_t next = 0;

  const order_store_actor& worker() {
    return workers[next++ % workers.size()];
  }
};

caf::error user_service_unavailable() {
  return caf::make_error(errc::unavailable, "User service unavailable");
}

order_front_actor::behavior_type
order_front(order_front_actor::stateful_pointer<front_state> self,
            const store_ptr& store, const order_service_config& cfg) {
  for (size_t i = 0; i < std::max<size_t>(cfg.store_workers, 1); ++i)
    self->state.workers.push_back(
        self->spawn<caf::detached + caf::linked>(store_worker, store));
  self->state.users = peer_link<user_actor>{cfg.users, cfg.connect_timeout};
  self->set_down_handler([self](caf::down_msg& dm) {
    if (self->state.users.on_down(dm))
      self->state.users.poll(self);
  });
  self->state.users.poll(self);
  self->delayed_send(self, tick_interval, tick_atom_v);
  return {
      [=](tick_atom) {
        self->state.users.poll(self);
        self->delayed_send(self, tick_interval, tick_atom_v);
      },
      [=](create_atom, const new_order& x) -> caf::result<order> {
        if (auto err = validate(x))
          return err;
        if (!self->state.users.connected())
          return user_service_unavailable();
        auto rp = self->make_response_promise<order>();
        self->request(self->state.users.handle(), cfg.verify_timeout,
                      verify_atom_v, x.user_id)
            .then(
                [=](bool exists) mutable {
                  if (!exists)
                    rp.deliver(caf::make_error(errc::user_not_found,
                                               "User not found"));
                  else
                    rp.delegate(self->state.worker(), store_atom_v, x);
                },
                [=](caf::error&) mutable {
                  rp.deliver(user_service_unavailable());
                });
        return rp;
      },
      [=](get_atom, std::string& id) -> caf::result<order> {
        return self->delegate(self->state.worker(), get_atom_v, std::move(id));
      },
      [=](list_atom, order_query& q) -> caf::result<order_page> {
        return self->delegate(self->state.worker(), list_atom_v, std::move(q));
      },
  };
}

} // namespace

order_actor spawn_order_service(caf::actor_system& sys, store_ptr store,
                                const order_service_config& cfg) {
  auto impl = sys.spawn(order_front, std::move(store), cfg);
  return caf::actor_cast<order_actor>(std::move(impl));
}

} // namespace microshop::actors
