#pragma once

// Shared fixture of the end-to-end tests: a real cluster of node processes
// (user nodes, order nodes, the edge) on the ports they picked, spoken to over
// HTTP. Its shape comes from MICROSHOP_TEST_SHAPE (1x1 when unset): every
// test holds for every shape.

#include "support/cluster.hpp"
#include "support/http_client.hpp"

#include <boost/test/unit_test.hpp>
#include <regex>
#include <string>
#include <thread>

namespace microshop::testing {

struct e2e_fixture {
  cluster nodes;
  uint16_t http = 0;

  /// A cluster of shape `s`, started and ready when `start`.
  explicit e2e_fixture(bool start = true, shape s = test_shape()) : nodes(s) {
    if (start)
      start_all();
  }

  void start_all() {
    nodes.start_all();
    http = nodes.port(node::edge);
    // 200 only once every link is up, the nodes' links to each other too: a
    // create whose uniqueness entry lives on another user node needs one.
    wait_ready();
  }

  /// Waits until every clock is past the millisecond of every id made so
  /// far. Ids of different nodes made a millisecond apart sort by time, and
  /// a merged list shows a record once every node's watermark passed it: a
  /// record may show up a moment late, never out of order (docs/sharding.md).
  static void next_millisecond() {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }

  /// GET of a list that must show every write answered before the call.
  http_response get_list(const std::string& target) {
    next_millisecond();
    return get(target);
  }

  /// Waits until /readyz answers 200: the edge reaches every node and every
  /// node its peers.
  void wait_ready() {
    auto ready = wait_until(
        [&] { return request(http, "GET", "/readyz").status == 200; },
        std::chrono::seconds(15));
    BOOST_REQUIRE_MESSAGE(ready, "cluster not ready");
  }

  http_response get(const std::string& target) {
    return checked(request(http, "GET", target));
  }

  http_response post(const std::string& target, const std::string& body) {
    return checked(request(http, "POST", target, body));
  }

  /// Creates a user; returns its JSON.
  nlohmann::json make_user(const std::string& name) {
    auto r =
        post("/api/users", nlohmann::json{{"username", name},
                                          {"email", name + "@example.com"},
                                          {"password", "pw-" + name + "-1"}}
                               .dump());
    BOOST_REQUIRE_EQUAL(r.status, 201);
    return r.json();
  }

  /// Places an order of `n` x 0.1 for `user_id`; returns the response.
  http_response place(const std::string& user_id, int n = 3) {
    nlohmann::json products = nlohmann::json::array();
    for (int i = 0; i < n; ++i)
      products.push_back({{"productId", "sku-" + std::to_string(i)},
                          {"quantity", 1},
                          {"price", 0.1}});
    return post(
        "/api/orders",
        nlohmann::json{{"userId", user_id}, {"products", products}}.dump());
  }

  /// Checks what every response carries: CORS, and the JSON content type
  /// and an {"error": ...} body on errors.
  static http_response checked(http_response r) {
    auto acao = r.header("access-control-allow-origin");
    BOOST_CHECK(acao && *acao == "*");
    if (!r.body.empty()) {
      auto ct = r.header("content-type");
      BOOST_CHECK(ct && *ct == "application/json; charset=utf-8");
      BOOST_CHECK(!r.json().is_discarded());
    }
    if (r.status >= 400) {
      auto j = r.json();
      BOOST_CHECK_MESSAGE(j.is_object() && j.contains("error") &&
                              j["error"].is_string(),
                          "error body: " << r.body);
    }
    return r;
  }

  static std::string error_of(const http_response& r) {
    auto j = r.json();
    return j.is_object() && j.contains("error") && j["error"].is_string()
               ? j["error"].get<std::string>()
               : "";
  }
};

} // namespace microshop::testing
