// Actor-level integration: real user_node and order_node processes, driven
// over BASP by a CAF client in this process.

#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/order_api.hpp"
#include "actors/user_api.hpp"
#include "support/caf_client.hpp"
#include "support/cluster.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/event_based_actor.hpp>
#include <csignal>
#include <set>

using namespace microshop;
using namespace microshop::actors;
using namespace std::chrono_literals;
using actors::errc;
using actors::is;
using testing::node;

namespace {

struct fixture {
  testing::cluster nodes;
  testing::caf_client client;
  user_actor users;
  order_actor orders;

  fixture() {
    nodes.extra_args[node::orders] = {"--verify-timeout=1s"};
    nodes.start(node::users);
    nodes.start(node::orders);
    connect();
  }

  void connect() {
    auto u = client.connect<user_actor>(nodes.port(node::users));
    BOOST_REQUIRE_MESSAGE(u, client.why(u));
    users = *u;
    auto o = client.connect<order_actor>(nodes.port(node::orders));
    BOOST_REQUIRE_MESSAGE(o, client.why(o));
    orders = *o;
  }

  user make_user(const std::string& name) {
    auto u = client.ask<user>(
        users, 10s, create_atom_v,
        new_user{name, name + "@example.com", "password-" + name});
    BOOST_REQUIRE_MESSAGE(u, client.why(u));
    return *u;
  }

  caf::expected<order> place(const std::string& user_id) {
    return client.ask<order>(orders, 10s, create_atom_v,
                             new_order{user_id, {{"sku-1", 2, 1999}}});
  }

  /// Retries placing an order until the order node has reconnected.
  caf::expected<order> place_when_ready(const std::string& user_id,
                                        std::chrono::seconds within) {
    caf::expected<order> result = place(user_id);
    auto deadline = std::chrono::steady_clock::now() + within;
    while (!result && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
      result = place(user_id);
    }
    return result;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(user_and_order_nodes, fixture)

BOOST_AUTO_TEST_CASE(an_order_for_an_existing_user_is_stored_and_returned) {
  auto alice = make_user("alice");
  auto o = place(alice.id);
  BOOST_REQUIRE_MESSAGE(o, client.why(o));
  BOOST_CHECK_EQUAL(o->user_id, alice.id);
  BOOST_CHECK_EQUAL(o->total_cents, 3998u);
  BOOST_CHECK_EQUAL(o->status, "pending");
  auto again = client.ask<order>(orders, 5s, get_atom_v, id_query{o->id, "r"});
  BOOST_REQUIRE(again);
  BOOST_CHECK_EQUAL(again->id, o->id);
  BOOST_CHECK_EQUAL(again->products.size(), 1u);
}

BOOST_AUTO_TEST_CASE(an_order_for_an_unknown_user_is_refused_and_not_stored) {
  auto o = place(new_id());
  BOOST_REQUIRE(!o);
  BOOST_CHECK(is(o.error(), errc::user_not_found));
  auto all = client.ask<order_page>(orders, 5s, list_atom_v, order_query{});
  BOOST_REQUIRE(all);
  BOOST_CHECK(all->items.empty());
}

BOOST_AUTO_TEST_CASE(
    with_the_user_node_killed_orders_are_unavailable_then_recover) {
  auto alice = make_user("alice");
  BOOST_REQUIRE(place(alice.id));
  auto order_pid = nodes.process(node::orders).pid();
  nodes.kill9(node::users);
  auto t0 = std::chrono::steady_clock::now();
  auto refused = place(alice.id);
  auto took = std::chrono::steady_clock::now() - t0;
  BOOST_REQUIRE(!refused);
  BOOST_CHECK_MESSAGE(is(refused.error(), errc::unavailable),
                      client.why(refused));
  BOOST_CHECK_EQUAL(actors::error_text(refused.error()),
                    "User service unavailable");
  BOOST_CHECK(took < 1500ms); // the verify timeout is 1 s
  nodes.start(node::users);
  auto accepted = place_when_ready(alice.id, 10s);
  BOOST_REQUIRE_MESSAGE(accepted, client.why(accepted));
  BOOST_CHECK_EQUAL(nodes.process(node::orders).pid(), order_pid);
  auto all = client.ask<order_page>(orders, 5s, list_atom_v, order_query{});
  BOOST_REQUIRE(all);
  BOOST_CHECK_EQUAL(all->items.size(), 2u); // nothing stored while refused
}

BOOST_AUTO_TEST_CASE(a_stopped_user_node_makes_orders_unavailable_not_hang) {
  auto alice = make_user("alice");
  BOOST_REQUIRE(place(alice.id));
  nodes.process(node::users).signal(SIGSTOP);
  auto t0 = std::chrono::steady_clock::now();
  auto refused = place(alice.id);
  auto took = std::chrono::steady_clock::now() - t0;
  nodes.process(node::users).signal(SIGCONT);
  BOOST_REQUIRE(!refused);
  BOOST_CHECK(is(refused.error(), errc::unavailable));
  BOOST_CHECK(took < 2s);
  auto accepted = place_when_ready(alice.id, 15s);
  BOOST_CHECK_MESSAGE(accepted, client.why(accepted));
}

BOOST_AUTO_TEST_CASE(data_survives_kill9_and_restart_of_both_nodes) {
  auto alice = make_user("alice");
  auto o = place(alice.id);
  BOOST_REQUIRE(o);
  nodes.kill9(node::orders);
  nodes.kill9(node::users);
  nodes.start(node::users);
  nodes.start(node::orders);
  connect();
  auto u = client.ask<user>(users, 5s, get_atom_v, alice.id);
  BOOST_REQUIRE(u);
  BOOST_CHECK_EQUAL(u->username, "alice");
  auto exists = client.ask<bool>(users, 5s, verify_atom_v, alice.id);
  BOOST_REQUIRE(exists);
  BOOST_CHECK(*exists);
  auto mine = client.ask<order_page>(orders, 5s, list_atom_v,
                                     order_query{alice.id, {}});
  BOOST_REQUIRE(mine);
  BOOST_REQUIRE_EQUAL(mine->items.size(), 1u);
  BOOST_CHECK_EQUAL(mine->items[0].id, o->id);
  // The restarted order node verifies the user on the restarted user node.
  BOOST_CHECK(place_when_ready(alice.id, 10s));
}

BOOST_AUTO_TEST_CASE(
    a_thousand_concurrent_orders_from_many_senders_all_complete) {
  std::vector<std::string> user_ids;
  for (int i = 0; i < 10; ++i)
    user_ids.push_back(make_user("user" + std::to_string(i)).id);
  constexpr int senders = 50;
  constexpr int per_sender = 20;
  caf::scoped_actor collector{client.system()};
  caf::actor sink = collector;
  for (int s = 0; s < senders; ++s)
    // The sender gets its index as an argument: CAF 0.17 spawns an actor
    // without arguments through a null tuple pointer, which UBSan reports.
    client.system().spawn(
        [=, orders = orders](caf::event_based_actor* self, int s) {
          for (int i = 0; i < per_sender; ++i) {
            new_order x{user_ids[(s + i) % user_ids.size()],
                        {{"sku-" + std::to_string(i), i + 1, 100}}};
            self->request(orders, 30s, create_atom_v, std::move(x))
                .then([=](order& o) { self->send(sink, o.id); },
                      [=](caf::error& err) { self->send(sink, err); });
          }
        },
        s);
  std::set<std::string> ids;
  int failures = 0;
  for (int i = 0; i < senders * per_sender; ++i)
    collector->receive([&](std::string& id) { ids.insert(id); },
                       [&](caf::error&) { ++failures; },
                       caf::after(60s) >> [&] { ++failures; });
  BOOST_CHECK_EQUAL(failures, 0);
  BOOST_CHECK_EQUAL(ids.size(), size_t{senders * per_sender});
  auto all = client.ask<order_page>(orders, 10s, list_atom_v,
                                    order_query{"", {"", 1000}});
  BOOST_REQUIRE(all);
  BOOST_CHECK_EQUAL(all->items.size(), size_t{senders * per_sender});
  BOOST_CHECK(!all->more);
}

BOOST_AUTO_TEST_CASE(a_batch_of_gets_answers_each_id_in_order) {
  auto alice = make_user("alice");
  auto bob = make_user("bob");
  std::vector<id_query> ids{
      {alice.id, "r1"}, {new_id(), "r2"}, {"not-an-id", "r3"}, {bob.id, ""}};
  auto found = client.ask<std::vector<user_result>>(users, 5s, get_atom_v, ids);
  BOOST_REQUIRE_MESSAGE(found, client.why(found));
  BOOST_REQUIRE_EQUAL(found->size(), 4u);
  BOOST_CHECK(!(*found)[0].err);
  BOOST_CHECK_EQUAL((*found)[0].value.username, "alice");
  BOOST_CHECK(is((*found)[1].err, errc::user_not_found));
  BOOST_CHECK(is((*found)[2].err, errc::user_not_found));
  BOOST_CHECK(!(*found)[3].err);
  BOOST_CHECK_EQUAL((*found)[3].value.id, bob.id);
  auto exist = client.ask<std::vector<bool>>(users, 5s, verify_atom_v, ids);
  BOOST_REQUIRE_MESSAGE(exist, client.why(exist));
  BOOST_CHECK((*exist == std::vector<bool>{true, false, false, true}));
}

BOOST_AUTO_TEST_CASE(a_batch_of_orders_stores_exactly_the_verified_valid_ones) {
  auto alice = make_user("alice");
  std::vector<new_order> xs{
      {alice.id, {{"sku-1", 2, 150}}},
      {new_id(), {{"sku-2", 1, 100}}}, // no such user
      {alice.id, {}},                  // invalid: no products
      {alice.id, {{"sku-3", 3, 1}}},
  };
  auto results =
      client.ask<std::vector<order_result>>(orders, 10s, create_atom_v, xs);
  BOOST_REQUIRE_MESSAGE(results, client.why(results));
  BOOST_REQUIRE_EQUAL(results->size(), 4u);
  auto& r = *results;
  BOOST_CHECK(!r[0].err);
  BOOST_CHECK_EQUAL(r[0].value.total_cents, 300u);
  BOOST_CHECK(is(r[1].err, errc::user_not_found));
  BOOST_CHECK(is(r[2].err, errc::invalid));
  BOOST_CHECK(!r[3].err);
  BOOST_CHECK_EQUAL(r[3].value.products.at(0).product_id, "sku-3");
  BOOST_CHECK(r[0].value.id < r[3].value.id);
  auto all = client.ask<order_page>(orders, 5s, list_atom_v, order_query{});
  BOOST_REQUIRE(all);
  BOOST_REQUIRE_EQUAL(all->items.size(), 2u);
  BOOST_CHECK_EQUAL(all->items[0].id, r[0].value.id);
  BOOST_CHECK_EQUAL(all->items[1].id, r[3].value.id);
  // Without the user node, the whole batch is unavailable and nothing is
  // stored; an invalid order still says why it is invalid.
  nodes.kill9(node::users);
  auto refused =
      client.ask<std::vector<order_result>>(orders, 10s, create_atom_v, xs);
  BOOST_REQUIRE_MESSAGE(refused, client.why(refused));
  BOOST_REQUIRE_EQUAL(refused->size(), 4u);
  BOOST_CHECK(is((*refused)[0].err, errc::unavailable));
  BOOST_CHECK(is((*refused)[1].err, errc::unavailable));
  BOOST_CHECK(is((*refused)[2].err, errc::invalid));
  BOOST_CHECK(is((*refused)[3].err, errc::unavailable));
  all = client.ask<order_page>(orders, 5s, list_atom_v, order_query{});
  BOOST_REQUIRE(all);
  BOOST_CHECK_EQUAL(all->items.size(), 2u);
}

BOOST_AUTO_TEST_SUITE_END()
