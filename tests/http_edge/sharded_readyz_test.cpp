// `GET /readyz` on the edge over 2 user and 2 order nodes (stand_ins.hpp):
// each node's links as it reports them, a node that does not, hard polling.

#include "stand_ins.hpp"

using namespace std::chrono_literals;
using microshop::testing::http_connection;
using microshop::testing::request;
using microshop::testing::stand_ins::fixture;

BOOST_FIXTURE_TEST_SUITE(sharded_edge_readyz, fixture)

BOOST_AUTO_TEST_CASE(readyz_shows_the_links_of_each_node_and_names_one_down) {
  auto ready = request(http, "GET", "/readyz");
  BOOST_CHECK_EQUAL(ready.status, 200);
  auto j = ready.json();
  BOOST_CHECK_EQUAL(j["nodes"]["users-1"].dump(),
                    R"({"connected":true,"links":[{"connected":true,)"
                    R"("name":"users-2"}]})");
  BOOST_CHECK_EQUAL(j["nodes"]["orders-2"]["links"].size(), 2u);
  BOOST_CHECK(!j.contains("down"));

  links["orders-2"]->set({{"users-1", true, ""}, {"users-2", false, "why"}});
  links["users-1"]->set({{"users-2", false, ""}});
  BOOST_REQUIRE(eventually_status("/readyz", 503));
  j = request(http, "GET", "/readyz").json();
  BOOST_CHECK_EQUAL(j["error"],
                    "Not ready, down: users-1 -> users-2, orders-2 -> users-2");
  BOOST_CHECK_EQUAL(j["down"].dump(),
                    R"(["users-1 -> users-2","orders-2 -> users-2"])");
  BOOST_CHECK_EQUAL(j["nodes"]["orders-2"]["connected"], true);
  BOOST_CHECK_EQUAL(j["nodes"]["orders-2"]["links"][1].dump(),
                    R"({"connected":false,"error":"why","name":"users-2"})");
  // Only /readyz: the nodes still serve.
  BOOST_CHECK_EQUAL(request(http, "GET", "/api/users/" + ids[0][0]).status,
                    200);

  links["orders-2"]->set({{"users-1", true, ""}, {"users-2", true, ""}});
  links["users-1"]->set({{"users-2", true, ""}});
  BOOST_CHECK(eventually_status("/readyz", 200));
}

BOOST_AUTO_TEST_CASE(a_node_that_does_not_report_its_links_is_not_ready) {
  links["users-2"]->set({}, true);
  // Asked afresh only once what the last round found is older than 200 ms.
  std::this_thread::sleep_for(250ms);
  http_connection slow{http};
  auto t0 = std::chrono::steady_clock::now();
  slow.send("GET", "/readyz");
  // The edge does not wait with anything else meanwhile.
  BOOST_CHECK_EQUAL(request(http, "GET", "/api/users/" + ids[1][0]).status,
                    200);
  BOOST_CHECK_EQUAL(request(http, "GET", "/healthz").status, 200);
  auto r = slow.read();
  auto took = std::chrono::steady_clock::now() - t0;
  BOOST_REQUIRE(r);
  BOOST_CHECK_EQUAL(r->status, 503);
  auto j = r->json();
  BOOST_CHECK_EQUAL(j["nodes"]["users-2"].dump(),
                    R"({"connected":true,"error":"did not report its links )"
                    R"(within 300 ms"})");
  BOOST_CHECK_EQUAL(j["down"].dump(), R"x(["users-2 (links unknown)"])x");
  BOOST_CHECK(took >= 250ms);
  BOOST_CHECK_MESSAGE(took < 2s, "waited past the links timeout");
  links["users-2"]->set({{"users-1", true, ""}});
  BOOST_CHECK(eventually_status("/readyz", 200));
}

BOOST_AUTO_TEST_CASE(readyz_polled_hard_asks_each_node_at_most_every_200_ms) {
  std::this_thread::sleep_for(250ms);
  auto before = links["orders-1"]->times_asked();
  auto t0 = std::chrono::steady_clock::now();
  int answered = 0;
  while (std::chrono::steady_clock::now() - t0 < 1s) {
    BOOST_REQUIRE_EQUAL(request(http, "GET", "/readyz").status, 200);
    ++answered;
  }
  auto asked = links["orders-1"]->times_asked() - before;
  BOOST_TEST_MESSAGE(answered << " answers, orders-1 asked " << asked
                              << " times");
  BOOST_CHECK_GT(answered, 20);
  BOOST_CHECK_GE(asked, 1);
  // At most one round per 200 ms (a round takes a moment too).
  BOOST_CHECK_LE(asked, 6);
}

BOOST_AUTO_TEST_SUITE_END()
