// The order service over two user nodes (fakes of the user service), under
// CAF's deterministic test scheduler: a batch is split by the user node that
// owns each user's shard, and losing one node fails only its orders.

#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/order_service.hpp"
#include "fake_users.hpp"
#include "support/temp_dir.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>
#include <optional>

using namespace std::chrono_literals;
using namespace microshop;
using namespace microshop::actors;
using namespace microshop::actors::fakes;
using microshop::actors::errc;

namespace {

struct two_user_nodes_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{testing_config(cfg)};
  caf::scheduler::test_coordinator& sched =
      dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  testing::temp_dir dir;
  shard_map map = shard_map::even(8, 2, 1);
  std::vector<fake_ptr> fakes{std::make_shared<fake_users_state>(),
                              std::make_shared<fake_users_state>()};
  std::vector<fake_users_actor> fake_actors;
  order_actor orders;
  std::vector<caf::actor> clients;

  two_user_nodes_fixture() {
    order_service_config svc_cfg;
    svc_cfg.map = map;
    for (auto& f : fakes) {
      fake_actors.push_back(sys.spawn(fake_users, f));
      svc_cfg.fixed_users.push_back(
          caf::actor_cast<user_actor>(fake_actors.back()));
    }
    auto store = persistence::order_store::open(dir / "orders");
    BOOST_REQUIRE(store);
    orders = spawn_order_service(
        sys, std::make_shared<persistence::order_store>(std::move(*store)),
        svc_cfg, order_home::scheduler);
    sched.run();
  }

  ~two_user_nodes_fixture() {
    for (auto& c : clients)
      caf::anon_send_exit(c, caf::exit_reason::kill);
    caf::anon_send_exit(orders, caf::exit_reason::kill);
    for (auto& f : fake_actors)
      caf::anon_send_exit(f, caf::exit_reason::kill);
    sched.run();
  }

  /// A user known to user node `node` (an id in one of its shards).
  std::string user_on(size_t node) {
    auto shards = map.shards_of(service::users, node);
    auto id = new_id(static_cast<uint8_t>(shards[0]));
    fakes[node]->known.insert(id);
    return id;
  }

  /// The batch's answer, once the scheduler ran the actors involved.
  std::shared_ptr<std::optional<caf::expected<std::vector<order_result>>>>
  create(std::vector<new_order> xs) {
    auto out = std::make_shared<
        std::optional<caf::expected<std::vector<order_result>>>>();
    clients.push_back(sys.spawn(
        [=](caf::event_based_actor* self, const order_actor& service) {
          self->request(service, caf::infinite, create_atom_v, xs)
              .then([=](std::vector<order_result>& rs) { *out = rs; },
                    [=](caf::error& err) {
                      *out = caf::expected<std::vector<order_result>>{err};
                    });
        },
        orders));
    return out;
  }
};

new_order order_of(const std::string& user_id) {
  return {user_id, {{"sku-1", 1, 100}}};
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(order_service_over_user_nodes, two_user_nodes_fixture)

BOOST_AUTO_TEST_CASE(a_batch_asks_each_user_node_once_for_its_own_users) {
  auto a1 = user_on(0), b1 = user_on(1), a2 = user_on(0);
  auto stranger =
      new_id(static_cast<uint8_t>(map.shards_of(service::users, 1)[0]));
  auto res =
      create({order_of(a1), order_of(b1), order_of(stranger), order_of(a2)});
  sched.run();
  BOOST_REQUIRE(res->has_value() && **res);
  auto& rs = ***res;
  BOOST_REQUIRE_EQUAL(rs.size(), 4u);
  BOOST_CHECK(!rs[0].err && !rs[1].err && !rs[3].err);
  BOOST_CHECK(actors::is(rs[2].err, errc::user_not_found));
  BOOST_REQUIRE_EQUAL(fakes[0]->verifies.size(), 1u);
  BOOST_CHECK((fakes[0]->verifies[0] == std::vector<std::string>{a1, a2}));
  BOOST_REQUIRE_EQUAL(fakes[1]->verifies.size(), 1u);
  BOOST_CHECK(
      (fakes[1]->verifies[0] == std::vector<std::string>{b1, stranger}));
  // Ids follow the batch's order and carry their user's shard.
  BOOST_CHECK(rs[0].value.id < rs[1].value.id);
  BOOST_CHECK(rs[1].value.id < rs[3].value.id);
  for (size_t i : {0u, 1u, 3u})
    BOOST_CHECK_EQUAL(shard_byte_of(rs[i].value.id),
                      shard_byte_of(rs[i].value.user_id));
}

BOOST_AUTO_TEST_CASE(losing_one_user_node_fails_only_its_orders_at_once) {
  auto a = user_on(0), b = user_on(1);
  fakes[1]->silent = true;
  auto res = create({order_of(b), order_of(a), order_of(b)});
  sched.run();
  BOOST_REQUIRE_MESSAGE(!res->has_value(), "answered before users-2 did");
  caf::anon_send_exit(fake_actors[1], caf::exit_reason::kill);
  sched.run(); // no time passes: no timeout can fire
  BOOST_REQUIRE_MESSAGE(res->has_value(), "not answered at once");
  BOOST_REQUIRE(**res);
  auto& rs = ***res;
  BOOST_CHECK(actors::is(rs[0].err, errc::unavailable));
  BOOST_CHECK(!rs[1].err);
  BOOST_CHECK(actors::is(rs[2].err, errc::unavailable));
  // Later orders for users-1 still go through; those for users-2 fail at once.
  auto later = create({order_of(a), order_of(b)});
  sched.run();
  BOOST_REQUIRE(later->has_value() && **later);
  BOOST_CHECK(!(***later)[0].err);
  BOOST_CHECK(actors::is((***later)[1].err, errc::unavailable));
  BOOST_CHECK_EQUAL(fakes[1]->verifies.size(), 1u);
}

BOOST_AUTO_TEST_SUITE_END()
