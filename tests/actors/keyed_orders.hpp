#pragma once

// The order service with Idempotency-Keys under CAF's deterministic test
// scheduler: a fake user service, a real order store in a temp dir that the
// test also reads, time that moves only when told.

#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/order_api.hpp"
#include "actors/order_service.hpp"
#include "actors/type_ids.hpp"
#include "actors/user_api.hpp"
#include "fake_users.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace microshop::actors::fakes {

using namespace std::chrono_literals;
using microshop::testing::temp_dir;

using results = std::vector<order_result>;

struct keyed_orders_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{testing_config(cfg)};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  temp_dir dir;
  fake_ptr fake = std::make_shared<fake_users_state>();
  fake_users_actor fake_actor = sys.spawn(fake_users, fake);
  user_actor users = caf::actor_cast<user_actor>(fake_actor);
  std::shared_ptr<persistence::order_store> store;
  order_service_config svc_cfg;
  order_actor orders;
  std::vector<caf::actor> clients;

  keyed_orders_fixture() {
    auto s = persistence::order_store::open(dir / "orders");
    BOOST_REQUIRE_MESSAGE(s, (s ? "" : s.error().detail));
    store = std::make_shared<persistence::order_store>(std::move(*s));
    svc_cfg.fixed_users = {users};
    svc_cfg.verify_timeout = 2s;
    orders = spawn_order_service(sys, store, svc_cfg, order_home::scheduler);
    sched.run();
  }

  ~keyed_orders_fixture() {
    for (auto& c : clients)
      caf::anon_send_exit(c, caf::exit_reason::kill);
    caf::anon_send_exit(orders, caf::exit_reason::kill);
    caf::anon_send_exit(users, caf::exit_reason::kill);
    sched.run();
  }

  /// Sends `xs` as one batch from a client actor; the answer is there once
  /// the scheduler ran (check `has_value`).
  std::shared_ptr<std::optional<results>> send(std::vector<new_order> xs) {
    auto out = std::make_shared<std::optional<results>>();
    clients.push_back(sys.spawn(
        [=](caf::event_based_actor* self, const order_actor& service) {
          self->request(service, caf::infinite, create_atom_v, xs)
              .then([=](results& rs) { *out = std::move(rs); },
                    [=](caf::error& err) {
                      BOOST_ERROR("batch failed: " << to_string(err));
                    });
        },
        orders));
    return out;
  }

  /// The results of the batch `xs`, which the service answers without
  /// waiting for time to pass.
  results create(std::vector<new_order> xs) {
    auto n = xs.size();
    auto out = send(std::move(xs));
    sched.run();
    BOOST_REQUIRE_MESSAGE(out->has_value(), "no answer");
    BOOST_REQUIRE_EQUAL((*out)->size(), n);
    return std::move(**out);
  }

  /// The one result of creating `x` alone.
  order_result create(new_order x) {
    return create(std::vector<new_order>{std::move(x)})[0];
  }

  /// Every stored order, oldest first.
  std::vector<persistence::order_record> stored() {
    auto all = store->list({"", 1000});
    BOOST_REQUIRE(all);
    return all->items;
  }

  bool key_stored(const std::string& user_id, const std::string& key) {
    auto got = store->get_key(user_id, key);
    BOOST_REQUIRE(got);
    return got->has_value();
  }

  std::string known_user() {
    auto id = new_id();
    fake->known.insert(id);
    return id;
  }
};

inline new_order keyed(const std::string& user_id, const std::string& key,
                       int64_t quantity = 1) {
  return {user_id, {{"sku-1", quantity, 1999}}, key};
}

/// Whether `r` is the error `code`, saying what it is otherwise.
inline boost::test_tools::predicate_result is_error(const order_result& r,
                                                    errc code) {
  if (is(r.err, code))
    return true;
  boost::test_tools::predicate_result res{false};
  if (!r.err)
    res.message() << "order " << r.value.id << " instead of "
                  << to_string(code);
  else
    res.message() << to_string(r.err) << " instead of " << to_string(code);
  return res;
}

} // namespace microshop::actors::fakes
