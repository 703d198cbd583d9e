// The blocking connect: CAF 0.17's own connect() towards a host that drops
// packets hangs for the kernel's SYN timeout and holds up every connect
// behind it. Ours is bounded and runs per peer: with orders-1 cut from
// users-1 (its reconnects to users-1 running into the cut), users-2 killed
// and restarted is linked again from orders-1 within seconds.

#include "partitions/partitions.hpp"
#include "support/http_client.hpp"

#include <iostream>

using namespace microshop::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/// The state of `from`'s link to `to` in a /readyz body: "up", "down" or
/// "" when the body does not show it.
std::string link_state(const json& body, const std::string& from,
                       const std::string& to) {
  if (!body.is_object() || !body.contains("nodes") ||
      !body["nodes"].contains(from))
    return "";
  auto& n = body["nodes"][from];
  if (!n.contains("links"))
    return "";
  for (auto& l : n["links"])
    if (l.value("name", "") == to)
      return l.value("connected", false) ? "up" : "down";
  return "";
}

json readyz_body(uint16_t port) {
  try {
    http_connection conn{port};
    conn.send("GET", "/readyz");
    if (auto r = conn.read(3s))
      return r->json();
  } catch (const std::exception&) {
    // nothing
  }
  return {};
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(blocking_connect, partition_fixture)

BOOST_AUTO_TEST_CASE(a_restarted_peer_is_linked_while_another_is_cut) {
  // A user of users-2 whose orders live on orders-1, and one of users-1.
  std::string of_users_2, of_users_1;
  for (int i = 0; i < 80 && (of_users_2.empty() || of_users_1.empty()); ++i) {
    auto id = make_user("bc" + std::to_string(i))["id"].get<std::string>();
    if (nodes.owner(node_kind::orders, id) != node::order(1))
      continue;
    if (nodes.owner(node_kind::users, id) == node::user(2))
      of_users_2 = id;
    if (nodes.owner(node_kind::users, id) == node::user(1))
      of_users_1 = id;
  }
  BOOST_REQUIRE(!of_users_2.empty() && !of_users_1.empty());
  BOOST_REQUIRE_EQUAL(place(of_users_2).status, 201);

  partition cut{nodes, {node::order(1)}, {node::user(1)}};
  auto t_cut = steady::now();
  // Until BASP's connection timeout drops the link; then orders-1 keeps
  // trying to connect to users-1 into the cut.
  BOOST_REQUIRE(wait_until(
      [&] {
        return link_state(readyz_body(http), "orders-1", "users-1") == "down";
      },
      10s));
  auto t_down = steady::now();
  std::this_thread::sleep_for(1500ms);

  nodes.kill9(node::user(2));
  nodes.start(node::user(2));
  auto t_restarted = steady::now();
  // orders-1 links to the new users-2; the only link down is the cut one.
  json body;
  bool linked = wait_until(
      [&] {
        body = readyz_body(http);
        return link_state(body, "orders-1", "users-2") == "up" &&
               body.value("down", json::array()) ==
                   json::array({"orders-1 -> users-1"});
      },
      10s);
  auto t_linked = steady::now();
  BOOST_REQUIRE_MESSAGE(linked, "orders-1 not linked to users-2 beside the cut "
                                "within 10 s: "
                                    << body.dump());
  BOOST_CHECK_LE(ms(t_restarted, t_linked), 5000);
  // An order through orders-1 for a user of users-2 is accepted; one for a
  // user of users-1 still is not: the cut holds.
  auto t0 = steady::now();
  auto placed = place(of_users_2);
  BOOST_CHECK_EQUAL(placed.status, 201);
  auto refused = place(of_users_1);
  BOOST_CHECK_EQUAL(refused.status, 503);
  BOOST_CHECK_LE(ms(t0, steady::now()), 3000);
  BOOST_CHECK_EQUAL(
      get("/api/orders/" + placed.json()["id"].get<std::string>()).status, 200);

  auto t_heal = steady::now();
  cut.heal();
  auto ready_in = time_to_ready(10s);
  BOOST_REQUIRE_MESSAGE(ready_in, "/readyz not 200 within 10 s of the heal");
  BOOST_CHECK_LE(ready_in->count(), 5000);
  BOOST_CHECK_EQUAL(place(of_users_1).status, 201);
  std::cout << "PARTITION blocking_connect: orders-1 -> users-1 down "
            << ms(t_cut, t_down) << " ms after the cut; users-2 restarted "
            << ms(t_down, t_restarted) << " ms later; orders-1 -> users-2 up "
            << ms(t_restarted, t_linked)
            << " ms after the restart (users-1 still cut); after the heal "
               "(cut "
            << ms(t_cut, t_heal) << " ms) /readyz 200 in " << ready_in->count()
            << " ms" << std::endl;
}

BOOST_AUTO_TEST_SUITE_END()
