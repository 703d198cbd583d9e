// The edge over 2 user and 2 order nodes (stand_ins.hpp): routing by shard,
// merged lists, a lost node.

#include "stand_ins.hpp"

#include <algorithm>

using namespace std::chrono_literals;
using namespace microshop;
using namespace microshop::actors;
using microshop::testing::request;
using microshop::testing::stand_ins::fixture;

namespace {

std::string owner_name(const std::string& prefix, std::string_view id) {
  return prefix + std::to_string(shard_of_id(id, 128) % 2 + 1);
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(sharded_edge, fixture)

BOOST_AUTO_TEST_CASE(asks_the_node_that_owns_each_id) {
  auto ready = request(http, "GET", "/readyz").json();
  for (auto n : {"users-1", "users-2", "orders-1", "orders-2"})
    BOOST_CHECK_EQUAL(ready["nodes"][n]["connected"], true);
  for (int b = 0; b < 8; ++b) {
    auto id = new_id(static_cast<uint8_t>(b));
    auto u = request(http, "GET", "/api/users/" + id);
    BOOST_CHECK_EQUAL(u.json()["username"], owner_name("users-", id));
    auto o = request(http, "GET", "/api/orders/" + id);
    BOOST_CHECK_EQUAL(o.json()["status"], owner_name("orders-", id));
    auto c = request(http, "POST", "/api/orders",
                     R"({"userId":")" + id +
                         R"(","products":[{"productId":"p","quantity":1,)"
                         R"("price":1}]})");
    BOOST_CHECK_EQUAL(c.status, 201);
    BOOST_CHECK_EQUAL(c.json()["status"], owner_name("orders-", id));
    auto l = request(http, "GET", "/api/orders?userId=" + id);
    for (auto& x : l.json())
      BOOST_CHECK_EQUAL(x["status"], owner_name("orders-", id));
  }
}

BOOST_AUTO_TEST_CASE(creates_users_round_robin) {
  std::string body =
      R"({"username":"a","email":"a@example.com","password":"pw"})";
  auto a = request(http, "POST", "/api/users", body).json()["username"];
  auto b = request(http, "POST", "/api/users", body).json()["username"];
  BOOST_CHECK_NE(a, b);
}

BOOST_AUTO_TEST_CASE(a_link_walk_returns_every_record_of_every_node_in_order) {
  std::vector<std::string> all{ids[0].begin(), ids[0].end()};
  all.insert(all.end(), ids[1].begin(), ids[1].end());
  std::sort(all.begin(), all.end());
  for (std::string path : {"/api/users?limit=4", "/api/orders?limit=4"}) {
    std::vector<std::string> seen;
    for (int pages = 0; pages < 10; ++pages) {
      auto r = request(http, "GET", path);
      BOOST_REQUIRE_EQUAL(r.status, 200);
      for (auto& x : r.json())
        seen.push_back(x["id"]);
      auto link = r.header("link");
      if (!link)
        break;
      path = link->substr(1, link->find('>') - 1);
    }
    BOOST_CHECK(seen == all);
  }
}

BOOST_AUTO_TEST_CASE(losing_a_node_fails_only_what_needs_it) {
  caf::anon_send_exit(user_nodes[1], caf::exit_reason::kill);
  BOOST_REQUIRE(eventually_status("/readyz", 503));
  auto ready = request(http, "GET", "/readyz").json();
  BOOST_CHECK_EQUAL(ready["nodes"]["users-1"]["connected"], true);
  BOOST_CHECK_EQUAL(ready["nodes"]["users-2"]["connected"], false);
  auto list = request(http, "GET", "/api/users");
  BOOST_CHECK_EQUAL(list.status, 503);
  BOOST_CHECK_EQUAL(list.json()["error"], "User service unavailable");
  BOOST_CHECK_EQUAL(request(http, "GET", "/api/users/" + ids[0][0]).status,
                    200);
  BOOST_CHECK_EQUAL(request(http, "GET", "/api/users/" + ids[1][0]).status,
                    503);
  std::string body =
      R"({"username":"a","email":"a@example.com","password":"pw"})";
  for (int i = 0; i < 3; ++i) {
    auto c = request(http, "POST", "/api/users", body);
    BOOST_CHECK_EQUAL(c.status, 201);
    BOOST_CHECK_EQUAL(c.json()["username"], "users-1");
  }
  BOOST_CHECK_EQUAL(request(http, "GET", "/api/orders").status, 200);
}

BOOST_AUTO_TEST_SUITE_END()
