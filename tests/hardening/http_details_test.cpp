// API.md "HTTP/1.1 details" and "JSON bodies" against a real three-process
// cluster, over raw sockets.

#include "support/cluster.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using namespace microshop::testing;
using nlohmann::json;

namespace {

struct http_details_cluster {
  cluster nodes;
  uint16_t http = 0;

  http_details_cluster() {
    nodes.start(node::users);
    nodes.start(node::orders);
    nodes.start(node::edge);
    http = nodes.port(node::edge);
    auto ready = wait_until(
        [&] { return request(http, "GET", "/readyz").status == 200; },
        std::chrono::seconds(15));
    BOOST_REQUIRE_MESSAGE(ready, "cluster not ready");
  }

  /// The one answer to `bytes` on a fresh connection, which must then close.
  http_response refused(const std::string& bytes) {
    http_connection conn{http};
    conn.send_raw(bytes);
    auto r = conn.read();
    BOOST_REQUIRE_MESSAGE(r, "no answer to " << bytes.substr(0, 80));
    auto conn_header = r->header("connection");
    BOOST_CHECK(conn_header && *conn_header == "close");
    BOOST_CHECK(conn.closed_by_peer(std::chrono::seconds(5)));
    return *r;
  }

  std::string make_user(const std::string& name) {
    auto r = request(http, "POST", "/api/users",
                     json{{"username", name},
                          {"email", name + "@example.com"},
                          {"password", "password-" + name}}
                         .dump());
    BOOST_REQUIRE_EQUAL(r.status, 201);
    return r.json()["id"].get<std::string>();
  }
};

/// A request the edge must refuse, the status and the error text.
struct refusal {
  std::string bytes;
  int status;
  std::string message;
};

std::vector<refusal> refusals() {
  return {
      {"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505,
       "HTTP version not supported; use HTTP/1.1 or HTTP/1.0"},
      {"POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Type: "
       "application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
       "2\r\n{}\r\n0\r\n\r\n",
       501, "Transfer-Encoding other than chunked is not supported"},
      {"GET /healthz HTTP/1.1\r\n\r\n", 400, "Host header is required"},
      {"GET /healthz HTTP/1.0\r\n\r\n", 400, "Host header is required"},
      {"GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", 400,
       "A header field name is invalid"},
      {"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400,
       "Host header must appear exactly once"},
      {"GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n", 400,
       "Host header is invalid"},
      {"GET /" + std::string(100 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
       414, "Request target exceeds 8 KiB"},
      {"POST /api/users HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n"
       "Content-Length: 2\r\n\r\n{}",
       417, "Expect header supports only 100-continue"},
  };
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_details_over_a_real_edge, http_details_cluster)

BOOST_AUTO_TEST_CASE(the_parsers_refusals_reach_the_client_and_close) {
  for (const auto& x : refusals()) {
    auto r = refused(x.bytes);
    BOOST_CHECK_MESSAGE(r.status == x.status, x.bytes.substr(0, 80)
                                                  << " -> " << r.status);
    auto body = r.json();
    BOOST_CHECK(body.is_object() && body["error"].is_string());
  }
  // The edge serves everyone else meanwhile.
  BOOST_CHECK_EQUAL(request(http, "GET", "/healthz").status, 200);
}

// Needs the edge to answer with request_parser::error_message().
BOOST_AUTO_TEST_CASE(each_refusal_says_why) {
  for (const auto& x : refusals()) {
    auto r = refused(x.bytes);
    auto expected = json{{"error", x.message}}.dump();
    BOOST_CHECK_EQUAL(r.body, expected);
  }
}

BOOST_AUTO_TEST_CASE(an_absolute_form_target_is_served_as_its_path) {
  http_connection conn{http};
  conn.send_raw("GET http://127.0.0.1:" + std::to_string(http) +
                "/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                "GET http://example.com/api/users?limit=1 HTTP/1.1\r\n"
                "Host: 127.0.0.1\r\n\r\n");
  auto health = conn.read();
  BOOST_REQUIRE(health);
  BOOST_CHECK_EQUAL(health->status, 200);
  BOOST_CHECK_EQUAL(health->body, R"({"status":"ok"})");
  auto users = conn.read();
  BOOST_REQUIRE(users);
  BOOST_CHECK_EQUAL(users->status, 200);
  BOOST_CHECK(users->json().is_array());
}

// Needs the edge to send 100 Continue when take_continue() says so.
BOOST_AUTO_TEST_CASE(expect_100_continue_gets_100_before_the_body_is_sent) {
  http_connection conn{http};
  std::string body = json{
      {"username", "continued"},
      {"email", "continued@example.com"},
      {"password",
       "password-1"}}.dump();
  conn.send_raw("POST /api/users HTTP/1.1\r\nHost: x\r\n"
                "Content-Type: application/json\r\nExpect: 100-continue\r\n"
                "Content-Length: " +
                std::to_string(body.size()) + "\r\n\r\n");
  // curl gives up waiting after 1 s; the edge must answer well before.
  auto interim = conn.read(std::chrono::seconds(1));
  BOOST_REQUIRE_MESSAGE(interim, "no 100 Continue within 1 s");
  BOOST_CHECK_EQUAL(interim->status, 100);
  conn.send_raw(body);
  auto created = conn.read();
  BOOST_REQUIRE(created);
  BOOST_CHECK_EQUAL(created->status, 201);
}

BOOST_AUTO_TEST_CASE(expect_100_continue_with_a_body_too_large_is_413_at_once) {
  http_connection conn{http};
  conn.send_raw("POST /api/users HTTP/1.1\r\nHost: x\r\n"
                "Content-Type: application/json\r\nExpect: 100-continue\r\n"
                "Content-Length: 2000000\r\n\r\n");
  auto r = conn.read(std::chrono::seconds(5));
  BOOST_REQUIRE(r);
  BOOST_CHECK_EQUAL(r->status, 413);
  BOOST_CHECK(conn.closed_by_peer(std::chrono::seconds(5)));
}

// Needs the edge to pass http_request::http10 to write_response.
BOOST_AUTO_TEST_CASE(http_1_0_keep_alive_is_honoured_and_echoed) {
  http_connection conn{http};
  for (int i = 0; i < 2; ++i) {
    conn.send_raw("GET /healthz HTTP/1.0\r\nHost: x\r\n"
                  "Connection: keep-alive\r\n\r\n");
    auto r = conn.read();
    BOOST_REQUIRE(r);
    BOOST_CHECK_EQUAL(r->status, 200);
    auto c = r->header("connection");
    BOOST_CHECK_MESSAGE(c && *c == "keep-alive",
                        "Connection: " << (c ? *c : "(none)"));
  }
  conn.send_raw("GET /healthz HTTP/1.0\r\nHost: x\r\n\r\n");
  auto last = conn.read();
  BOOST_REQUIRE(last);
  BOOST_CHECK_EQUAL(last->status, 200);
  auto c = last->header("connection");
  BOOST_CHECK(c && *c == "close");
  BOOST_CHECK(conn.closed_by_peer(std::chrono::seconds(5)));
}

BOOST_AUTO_TEST_CASE(duplicate_keys_and_overprecise_prices_are_400_by_name) {
  auto user = make_user("pricing");
  auto order = [&](const std::string& price, const std::string& extra = "") {
    return request(http, "POST", "/api/orders",
                   R"({"userId":")" + user + R"(",)" + extra +
                       R"("products":[{"productId":"p","quantity":1,)"
                       R"("price":)" +
                       price + "}]}");
  };
  auto overprecise = order("1.0000000000000001");
  BOOST_CHECK_EQUAL(overprecise.status, 400);
  BOOST_CHECK_EQUAL(overprecise.json()["error"],
                    "products[0].price must be a number from 0 to 1000000000 "
                    "with at most two decimals");
  auto twice = order("1", R"("userId":")" + user + R"(",)");
  BOOST_CHECK_EQUAL(twice.status, 400);
  BOOST_CHECK_EQUAL(twice.json()["error"], "userId appears more than once");
  auto dup_user = request(http, "POST", "/api/users",
                          R"({"username":"dupe","email":"d@example.com",)"
                          R"("password":"password-1","username":"other"})");
  BOOST_CHECK_EQUAL(dup_user.status, 400);
  BOOST_CHECK_EQUAL(dup_user.json()["error"],
                    "username appears more than once");
  // Nothing was stored; a price written with two decimals is fine.
  BOOST_CHECK_EQUAL(
      request(http, "GET", "/api/orders?userId=" + user).json().size(), 0u);
  auto fine = order("1.50e1");
  BOOST_CHECK_EQUAL(fine.status, 201);
  BOOST_CHECK_EQUAL(fine.json()["total"], 15);
}

BOOST_AUTO_TEST_SUITE_END()
