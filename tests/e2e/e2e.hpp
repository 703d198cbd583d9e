#pragma once

// Shared fixture of the end-to-end tests: a real three-process cluster
// (user_node, order_node, edge_node) on the ports they picked, spoken to over
// HTTP.

#include "support/cluster.hpp"
#include "support/http_client.hpp"

#include <boost/test/unit_test.hpp>
#include <regex>
#include <string>

namespace microshop::testing {

struct e2e_fixture {
  cluster nodes;
  uint16_t http = 0;

  explicit e2e_fixture(bool start = true) {
    if (start)
      start_all();
  }

  void start_all() {
    nodes.start(node::users);
    nodes.start(node::orders);
    nodes.start(node::edge);
    http = nodes.port(node::edge);
    wait_ready();
  }

  /// Waits until /readyz answers 200.
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
