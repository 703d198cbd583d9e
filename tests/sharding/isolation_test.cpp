// A lost user node takes only its own share with it.

#include "sharding/sharding.hpp"

#include <functional>
#include <thread>

using namespace microshop::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using three_by_two = sharded_fixture<3, 2>;
using two_by_one = sharded_fixture<2, 1>;

/// Creates users until one lives on `n`; its id.
std::string user_on(e2e_fixture& f, node n) {
  for (int i = 0; i < 30; ++i) {
    auto u = f.make_user("on" + to_string(n) + "_" + std::to_string(i));
    auto id = u["id"].get<std::string>();
    if (f.nodes.owner(node_kind::users, id) == n)
      return id;
  }
  BOOST_FAIL("no user created on " << to_string(n));
  return "";
}

/// A name of the form `prefix<i>` whose username and email entries both
/// live on nodes that `ok` accepts.
std::string name_with_entries(const cluster& c, const std::string& prefix,
                              const std::function<bool(node, node)>& ok) {
  for (int i = 0;; ++i) {
    auto name = prefix + std::to_string(i);
    if (ok(c.entry_owner("username", name),
           c.entry_owner("email", name + "@example.com")))
      return name;
  }
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(failure_isolation, three_by_two)

BOOST_AUTO_TEST_CASE(
    with_users_2_stopped_users_elsewhere_are_read_and_ordered_for) {
  auto lost = node::user(2);
  auto here = user_on(*this, node::user(1));
  auto there = user_on(*this, lost);
  BOOST_REQUIRE_EQUAL(nodes.stop(lost), 0);
  BOOST_REQUIRE(wait_until([&] { return get("/readyz").status == 503; }, 15s));
  auto ready = get("/readyz").json();
  for (auto n : nodes.all())
    if (n.kind != node_kind::edge)
      BOOST_CHECK_MESSAGE(ready["nodes"][to_string(n)]["connected"] ==
                              (n != lost),
                          to_string(n) << ": " << ready.dump());

  auto read = get("/api/users/" + here);
  BOOST_CHECK_EQUAL(read.status, 200);
  BOOST_CHECK_EQUAL(read.json()["id"], here);
  auto order = place(here);
  BOOST_CHECK_EQUAL(order.status, 201);
  auto mine = get("/api/orders?userId=" + here);
  BOOST_CHECK_EQUAL(mine.status, 200);
  BOOST_CHECK_EQUAL(mine.json().size(), 1u);

  auto list = get("/api/users");
  BOOST_CHECK_EQUAL(list.status, 503);
  BOOST_CHECK_EQUAL(list.body, R"({"error":"User service unavailable"})");
  BOOST_CHECK_EQUAL(get("/api/users?limit=1").status, 503);
  BOOST_CHECK_EQUAL(get("/api/users/" + there).status, 503);
  BOOST_CHECK_EQUAL(place(there).status, 503);
  BOOST_CHECK_EQUAL(get_list("/api/orders").status, 200);

  // A create whose names live on the nodes still up is served; one that
  // needs an entry on the lost node is 503, and it leaves nothing behind.
  auto up = [&](node a, node b) { return a != lost && b != lost; };
  auto fine = name_with_entries(nodes, "free", up);
  BOOST_CHECK_EQUAL(
      post("/api/users", user_body(fine, fine + "@example.com")).status, 201);
  auto blocked = name_with_entries(
      nodes, "blocked", [&](node a, node b) { return a == lost && b != lost; });
  auto r = post("/api/users", user_body(blocked, blocked + "@example.com"));
  BOOST_CHECK_EQUAL(r.status, 503);
  BOOST_CHECK_EQUAL(r.body, R"({"error":"User service unavailable"})");

  // Back: the edge, the order nodes and the other user nodes reconnect,
  // each on its own backoff.
  nodes.start(lost);
  wait_ready();
  BOOST_CHECK_EQUAL(get("/api/users/" + there).status, 200);
  BOOST_CHECK(wait_until([&] { return place(there).status == 201; }, 15s));
  BOOST_CHECK(wait_until(
      [&] {
        return post("/api/users", user_body(blocked, blocked + "@example.com"))
                   .status == 201;
      },
      15s));
  auto all = get_list("/api/users?limit=1000");
  BOOST_CHECK_EQUAL(all.status, 200);
  BOOST_CHECK(strictly_ascending([&] {
    std::vector<std::string> ids;
    for (auto& u : all.json())
      ids.push_back(u["id"]);
    return ids;
  }()));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(links_between_nodes, two_by_one)

BOOST_AUTO_TEST_CASE(
    readyz_names_the_links_to_a_killed_user_node_and_is_200_once_it_is_back) {
  auto ready = get("/readyz");
  BOOST_REQUIRE_EQUAL(ready.status, 200);
  auto links_of = [](const json& j, const std::string& n) {
    return j["nodes"][n]["links"].dump();
  };
  BOOST_CHECK_EQUAL(links_of(ready.json(), "users-1"),
                    R"([{"connected":true,"name":"users-2"}])");
  BOOST_CHECK_EQUAL(links_of(ready.json(), "orders-1"),
                    R"([{"connected":true,"name":"users-1"},)"
                    R"({"connected":true,"name":"users-2"}])");

  nodes.kill9(node::user(2));
  // Each node learns of the loss on its own; wait until both did.
  json down;
  BOOST_REQUIRE(wait_until(
      [&] {
        auto r = get("/readyz");
        down = r.json();
        return r.status == 503 && down["down"].size() == 3;
      },
      15s));
  BOOST_CHECK_EQUAL(
      down["down"].dump(),
      R"(["users-1 -> users-2","users-2","orders-1 -> users-2"])");
  BOOST_CHECK_EQUAL(
      down["error"],
      "Not ready, down: users-1 -> users-2, users-2, orders-1 -> users-2");
  BOOST_CHECK_EQUAL(down["nodes"]["users-2"].dump(), R"({"connected":false})");
  BOOST_CHECK_EQUAL(links_of(down, "users-1"),
                    R"([{"connected":false,"name":"users-2"}])");
  BOOST_CHECK_EQUAL(links_of(down, "orders-1"),
                    R"([{"connected":true,"name":"users-1"},)"
                    R"({"connected":false,"name":"users-2"}])");

  nodes.start(node::user(2));
  wait_ready();
  auto back = get("/readyz").json();
  BOOST_CHECK_EQUAL(links_of(back, "users-2"),
                    R"([{"connected":true,"name":"users-1"}])");
  // 200 means every link is up: creates whose username entry lives on
  // users-2 work at once, whichever node takes them (round robin), with no
  // pause.
  for (std::string prefix : {"back", "again"}) {
    auto name = name_with_entries(
        nodes, prefix, [](node a, node) { return a == node::user(2); });
    BOOST_CHECK_EQUAL(
        post("/api/users", user_body(name, name + "@example.com")).status, 201);
  }
}

BOOST_AUTO_TEST_SUITE_END()
