// `GET /readyz` bodies and the rounds that ask the nodes for their links.

#include "http_edge/readiness.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

using namespace microshop;
using namespace microshop::http_edge;
using namespace std::chrono_literals;
using actors::link_state;

namespace {

node_links reported(std::vector<link_state> links) {
  return {std::move(links), {}};
}

} // namespace

BOOST_AUTO_TEST_SUITE(readiness_body)

BOOST_AUTO_TEST_CASE(names_every_node_of_the_map_and_its_links_when_ready) {
  auto users_1 = reported({{"users-2", true, ""}});
  auto users_2 = reported({{"users-1", true, ""}});
  auto orders_1 = reported({{"users-1", true, ""}, {"users-2", true, ""}});
  auto r = readiness({{"users-1", true, "", &users_1},
                      {"users-2", true, "", &users_2},
                      {"orders-1", true, "", &orders_1}});
  BOOST_CHECK_EQUAL(r.status, 200);
  BOOST_CHECK_EQUAL(
      r.body,
      R"({"status":"ready","nodes":{)"
      R"("users-1":{"connected":true,"links":[{"name":"users-2","connected":true}]},)"
      R"("users-2":{"connected":true,"links":[{"name":"users-1","connected":true}]},)"
      R"("orders-1":{"connected":true,"links":[{"name":"users-1","connected":true},)"
      R"({"name":"users-2","connected":true}]}}})");
  BOOST_CHECK(nlohmann::json::accept(r.body));
}

BOOST_AUTO_TEST_CASE(
    a_node_without_peers_has_empty_links_and_one_not_asked_none) {
  node_links none = reported({});
  auto r = readiness({{"users-1", true, "", &none}, {"orders-1", true, ""}});
  BOOST_CHECK_EQUAL(r.status, 200);
  BOOST_CHECK_EQUAL(r.body, R"({"status":"ready","nodes":{"users-1":)"
                            R"({"connected":true,"links":[]},"orders-1":)"
                            R"({"connected":true}}})");
}

BOOST_AUTO_TEST_CASE(is_503_when_a_node_is_not_connected_and_says_why) {
  auto r = readiness({{"users-1", true, ""},
                      {"users-2", false, "node users-2 runs shard map \"x\""},
                      {"orders-1", false, ""}});
  BOOST_CHECK_EQUAL(r.status, 503);
  BOOST_CHECK_EQUAL(
      r.body,
      R"({"error":"Not ready, down: users-2, orders-1","status":"not ready",)"
      R"("nodes":{"users-1":{"connected":true},"users-2":{"connected":false,)"
      R"("error":"node users-2 runs shard map \"x\""},)"
      R"("orders-1":{"connected":false}},"down":["users-2","orders-1"]})");
}

BOOST_AUTO_TEST_CASE(is_503_naming_each_link_between_nodes_that_is_down) {
  // users-2 is gone: the edge, users-1 and orders-1 each lost their link.
  auto users_1 = reported({{"users-2", false, ""}});
  auto orders_1 = reported(
      {{"users-1", true, ""}, {"users-2", false, "node users-2 runs map y"}});
  // Its links, as last reported, are not shown for a node not connected.
  auto users_2 = reported({{"users-1", true, ""}});
  auto r = readiness({{"users-1", true, "", &users_1},
                      {"users-2", false, "", &users_2},
                      {"orders-1", true, "", &orders_1}});
  BOOST_CHECK_EQUAL(r.status, 503);
  BOOST_REQUIRE(nlohmann::json::accept(r.body));
  auto j = nlohmann::json::parse(r.body);
  BOOST_CHECK_EQUAL(j["error"], "Not ready, down: users-1 -> users-2, "
                                "users-2, orders-1 -> users-2");
  BOOST_CHECK_EQUAL(j["status"], "not ready");
  BOOST_CHECK_EQUAL(
      j["down"],
      nlohmann::json::parse(
          R"(["users-1 -> users-2","users-2","orders-1 -> users-2"])"));
  BOOST_CHECK_EQUAL(j["nodes"]["users-2"].dump(), R"({"connected":false})");
  BOOST_CHECK_EQUAL(
      j["nodes"]["orders-1"].dump(),
      R"({"connected":true,"links":[{"connected":true,"name":"users-1"},)"
      R"({"connected":false,"error":"node users-2 runs map y","name":"users-2"}]})");
  BOOST_CHECK_EQUAL(
      j["nodes"]["users-1"].dump(),
      R"({"connected":true,"links":[{"connected":false,"name":"users-2"}]})");
}

BOOST_AUTO_TEST_CASE(is_503_when_a_connected_node_did_not_report_its_links) {
  node_links silent{std::nullopt, "did not report its links within 1000 ms"};
  auto r = readiness({{"users-1", true, "", &silent}});
  BOOST_CHECK_EQUAL(r.status, 503);
  BOOST_CHECK_EQUAL(
      r.body, R"x({"error":"Not ready, down: users-1 (links unknown)",)x"
              R"("status":"not ready","nodes":{"users-1":{"connected":true,)"
              R"("error":"did not report its links within 1000 ms"}},)"
              R"x("down":["users-1 (links unknown)"]})x");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(links_probe_rounds)

using tp = links_probe::clock::time_point;

BOOST_AUTO_TEST_CASE(
    a_round_ends_with_the_last_answer_and_stays_fresh_for_max_age) {
  links_probe p{3, 200ms};
  tp t0{};
  BOOST_CHECK(!p.fresh(t0));
  auto round = p.start({true, false, true}, t0);
  BOOST_CHECK(p.running());
  BOOST_CHECK(!p.fresh(t0));
  BOOST_CHECK(!p.answer(round, 0, reported({{"users-2", true, ""}}), t0 + 5ms));
  // Node 1 was not asked: an answer for it counts for nothing.
  BOOST_CHECK(!p.answer(round, 1, reported({}), t0 + 6ms));
  BOOST_CHECK(p.running());
  BOOST_CHECK(p.answer(round, 2, reported({}), t0 + 10ms));
  BOOST_CHECK(!p.running());
  BOOST_CHECK(p.fresh(t0 + 210ms));
  BOOST_CHECK(!p.fresh(t0 + 211ms));
  BOOST_REQUIRE(p.links(0).links);
  BOOST_CHECK_EQUAL(p.links(0).links->at(0).name, "users-2");
  BOOST_CHECK(!p.links(1).links);
  BOOST_CHECK_EQUAL(p.links(1).unknown, "links not reported yet");
  BOOST_REQUIRE(p.links(2).links);
  BOOST_CHECK(p.links(2).links->empty());
}

BOOST_AUTO_TEST_CASE(answers_to_an_old_round_or_twice_change_nothing) {
  links_probe p{1, 200ms};
  tp t0{};
  auto first = p.start({true}, t0);
  BOOST_CHECK(p.answer(first, 0, reported({}), t0));
  auto second = p.start({true}, t0 + 1s);
  BOOST_CHECK(!p.answer(first, 0, reported({{"x", true, ""}}), t0 + 1s));
  BOOST_CHECK(p.running());
  BOOST_CHECK(p.answer(second, 0, {std::nullopt, "late"}, t0 + 2s));
  BOOST_CHECK(!p.answer(second, 0, reported({}), t0 + 2s));
  BOOST_CHECK(!p.links(0).links);
  BOOST_CHECK_EQUAL(p.links(0).unknown, "late");
}

BOOST_AUTO_TEST_CASE(a_lost_node_ends_its_part_of_the_round_at_once) {
  links_probe p{2, 200ms};
  tp t0{};
  auto round = p.start({true, true}, t0);
  BOOST_CHECK(!p.lost(0, t0 + 1ms));
  BOOST_CHECK(p.answer(round, 1, reported({}), t0 + 2ms));
  // The request to the lost node times out later: ignored.
  BOOST_CHECK(!p.answer(round, 0, {std::nullopt, "timeout"}, t0 + 1s));
  BOOST_CHECK_EQUAL(p.links(0).unknown, "the edge lost the node");
  BOOST_CHECK(!p.lost(1, t0 + 3ms));
}

BOOST_AUTO_TEST_CASE(a_round_that_asks_no_node_has_ended_at_once) {
  links_probe p{2, 200ms};
  tp t0{};
  p.start({false, false}, t0);
  BOOST_CHECK(!p.running());
  BOOST_CHECK(p.fresh(t0 + 100ms));
}

BOOST_AUTO_TEST_CASE(a_node_lost_after_a_round_makes_its_findings_stale) {
  links_probe p{2, 200ms};
  tp t0{};
  auto round = p.start({true, true}, t0);
  BOOST_CHECK(!p.answer(round, 0, reported({}), t0 + 1ms));
  BOOST_CHECK(p.answer(round, 1, reported({}), t0 + 2ms));
  BOOST_CHECK(p.fresh(t0 + 10ms));
  // Node 0 dies and may be back (a new node) before the round ages out:
  // what the round found of it and its peers no longer counts.
  BOOST_CHECK(!p.lost(0, t0 + 20ms));
  BOOST_CHECK(!p.fresh(t0 + 21ms));
  // The next round is current again.
  auto next = p.start({true, true}, t0 + 30ms);
  BOOST_CHECK(!p.answer(next, 0, reported({}), t0 + 31ms));
  BOOST_CHECK(p.answer(next, 1, reported({}), t0 + 32ms));
  BOOST_CHECK(p.fresh(t0 + 40ms));
}

BOOST_AUTO_TEST_SUITE_END()
