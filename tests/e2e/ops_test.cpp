// The edge's operability routes over HTTP against a real cluster (any
// shape): GET /metrics with every node's families, /openapi.json, /docs,
// OPTIONS on every path, and X-Request-Id echoed or refused. Every response
// is recorded for openapi_responses.

#include "e2e/e2e.hpp"
#include "support/exposition.hpp"

#include <regex>
#include <string>
#include <vector>

using namespace microshop::testing;
using nlohmann::json;

namespace {

const std::regex made_id{"[0-9a-f]{8}-[0-9a-f]+"};

const std::string id_rule =
    R"({"error":"X-Request-Id must be 1 to 128 characters of A-Z a-z 0-9 - _ . :"})";

std::string header_or_empty(const http_response& r, std::string_view name) {
  auto h = r.header(name);
  return h ? *h : std::string{};
}

/// Checks the X-Request-Id of `r` and that the header is exposed to
/// browsers; returns the id.
std::string request_id_of(const http_response& r) {
  auto id = header_or_empty(r, "x-request-id");
  BOOST_CHECK_MESSAGE(!id.empty(), "no X-Request-Id on a " << r.status);
  BOOST_CHECK_MESSAGE(header_or_empty(r, "access-control-expose-headers")
                              .find("X-Request-Id") != std::string::npos,
                      "X-Request-Id not exposed on a " << r.status);
  return id;
}

struct ops_fixture : e2e_fixture {
  /// GET /metrics, checked as an exposition.
  exposition metrics() {
    auto r = request(http, "GET", "/metrics");
    BOOST_REQUIRE_EQUAL(r.status, 200);
    BOOST_CHECK_EQUAL(header_or_empty(r, "content-type"),
                      "text/plain; version=0.0.4; charset=utf-8");
    request_id_of(r);
    last_text = r.body;
    return parse_exposition(r.body);
  }

  std::vector<std::string> names(node_kind k) const {
    std::vector<std::string> out;
    for (auto& n : nodes.nodes(k))
      out.push_back(to_string(n));
    return out;
  }

  std::string last_text;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(ops_api, ops_fixture)

BOOST_AUTO_TEST_CASE(metrics_count_requests_by_route_template_not_by_id) {
  auto id = make_user("metric-amy")["id"].get<std::string>();
  for (int i = 0; i < 3; ++i)
    BOOST_CHECK_EQUAL(get("/api/users/" + id).status, 200);
  BOOST_CHECK_EQUAL(get("/nowhere/" + id).status, 404);
  auto e = metrics();
  const std::map<std::string, std::string> user_get{
      {"method", "GET"}, {"route", "/api/users/{id}"}, {"status", "200"}};
  auto n = e.value("http_requests_total", user_get);
  BOOST_REQUIRE_MESSAGE(!n.empty(), last_text);
  BOOST_CHECK_GE(std::stod(n), 3.0);
  BOOST_CHECK(
      last_text.find("http_requests_total{method=\"GET\",route=\"/api/users/"
                     "{id}\",status=\"200\"} ") != std::string::npos);
  BOOST_CHECK(
      !e.value("http_requests_total",
               {{"method", "POST"}, {"route", "/api/users"}, {"status", "201"}})
           .empty());
  BOOST_CHECK(
      !e.value("http_requests_total",
               {{"method", "GET"}, {"route", "unmatched"}, {"status", "404"}})
           .empty());
  BOOST_CHECK_MESSAGE(last_text.find(id) == std::string::npos,
                      "an id in the metrics");
  BOOST_CHECK(last_text.find("nowhere") == std::string::npos);
  check_histograms(e, "http_request_duration_seconds");
  check_histograms(e, "microshop_batch_size");
  BOOST_CHECK_GE(std::stod(e.value("microshop_batch_size_count",
                                   {{"service", "users"}, {"call", "get"}})),
                 1.0);
  // This scrape's own connection is open and its request in flight.
  BOOST_CHECK_GE(std::stod(e.value("http_connections_open")), 1.0);
  BOOST_CHECK_GE(std::stod(e.value("http_requests_in_flight")), 1.0);
  // A scrape counts the scrape before it.
  auto again = metrics();
  BOOST_CHECK(
      !again
           .value("http_requests_total",
                  {{"method", "GET"}, {"route", "/metrics"}, {"status", "200"}})
           .empty());
}

BOOST_AUTO_TEST_CASE(metrics_cover_every_node_of_the_cluster) {
  auto uid = make_user("metric-bob")["id"].get<std::string>();
  BOOST_REQUIRE_EQUAL(place(uid).status, 201);
  auto e = metrics();
  auto users = names(node_kind::users);
  auto orders = names(node_kind::orders);
  auto all = users;
  all.insert(all.end(), orders.begin(), orders.end());
  for (auto& n : all) {
    BOOST_TEST_CONTEXT(n) {
      BOOST_CHECK_EQUAL(e.value("microshop_node_link_up", {{"node", n}}), "1");
      BOOST_CHECK_EQUAL(e.value("microshop_node_report_ok", {{"node", n}}),
                        "1");
      // Counters that a slow machine may move: present, whatever their value.
      BOOST_CHECK(
          !e.value("microshop_node_reconnects_total", {{"node", n}}).empty());
      BOOST_CHECK(
          !e.value("microshop_node_request_timeouts_total", {{"node", n}})
               .empty());
      for (auto family : {"default", "idempotency"}) {
        BOOST_CHECK(
            !e.value("microshop_store_keys", {{"node", n}, {"family", family}})
                 .empty());
        BOOST_CHECK(!e.value("microshop_store_size_bytes",
                             {{"node", n}, {"family", family}})
                         .empty());
      }
      BOOST_CHECK(!e.value("microshop_store_write_stalls_total", {{"node", n}})
                       .empty());
      BOOST_CHECK_EQUAL(e.value("microshop_store_errors_total", {{"node", n}}),
                        "0");
    }
  }
  for (auto& n : users)
    BOOST_CHECK_MESSAGE(
        !e.value("microshop_hash_queue_length", {{"node", n}}).empty(), n);
  // Each order node's links to every user node.
  for (auto& o : orders)
    for (auto& u : users)
      BOOST_CHECK_MESSAGE(
          e.value("microshop_peer_link_up", {{"node", o}, {"peer", u}}) == "1",
          o << " -> " << u);
  // The user and the order were stored somewhere.
  double user_keys = 0;
  for (auto& n : users)
    user_keys += std::stod(
        e.value("microshop_store_keys", {{"node", n}, {"family", "default"}}));
  double order_keys = 0;
  for (auto& n : orders)
    order_keys += std::stod(
        e.value("microshop_store_keys", {{"node", n}, {"family", "default"}}));
  BOOST_CHECK_GE(user_keys, 1.0);
  BOOST_CHECK_GE(order_keys, 1.0);
  // Every family described once (parse_exposition checks), with its type.
  for (auto family : {"microshop_node_link_up", "microshop_node_report_ok",
                      "microshop_store_keys", "microshop_store_size_bytes",
                      "microshop_hash_queue_length", "microshop_peer_link_up"})
    BOOST_CHECK_MESSAGE(e.families.count(family), family);
  BOOST_CHECK_EQUAL(e.families["microshop_node_link_up"].type, "gauge");
  BOOST_CHECK_EQUAL(e.families["microshop_node_reconnects_total"].type,
                    "counter");
}

BOOST_AUTO_TEST_CASE(the_openapi_document_is_served_with_get_and_head) {
  auto r = request(http, "GET", "/openapi.json");
  BOOST_REQUIRE_EQUAL(r.status, 200);
  BOOST_CHECK(header_or_empty(r, "content-type").rfind("application/json", 0) ==
              0);
  request_id_of(r);
  auto doc = r.json();
  BOOST_REQUIRE(doc.is_object());
  BOOST_CHECK(doc["openapi"].get<std::string>().rfind("3.1", 0) == 0);
  for (auto path :
       {"/api/users", "/api/users/{id}", "/api/orders", "/api/orders/{id}",
        "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"})
    BOOST_CHECK_MESSAGE(doc["paths"].contains(path), path);
  auto head = request(http, "HEAD", "/openapi.json");
  BOOST_CHECK_EQUAL(head.status, 200);
  BOOST_CHECK(head.body.empty());
  BOOST_CHECK_EQUAL(header_or_empty(head, "content-length"),
                    std::to_string(r.body.size()));
  BOOST_CHECK_EQUAL(header_or_empty(head, "content-type"),
                    header_or_empty(r, "content-type"));
  request_id_of(head);
}

BOOST_AUTO_TEST_CASE(the_docs_page_and_its_files_are_served_or_503) {
  // 503 when Redoc's npm bundle is not installed (no npm cache).
  auto page = request(http, "GET", "/docs");
  BOOST_CHECK_MESSAGE(page.status == 200 || page.status == 503,
                      "GET /docs: " << page.status);
  request_id_of(page);
  auto head = request(http, "HEAD", "/docs");
  BOOST_CHECK_EQUAL(head.status, page.status);
  BOOST_CHECK(head.body.empty());
  auto js = request(http, "GET", "/docs/redoc.standalone.js");
  auto js_head = request(http, "HEAD", "/docs/redoc.standalone.js");
  BOOST_CHECK_EQUAL(js_head.status, js.status);
  BOOST_CHECK(js_head.body.empty());
  if (page.status == 200) {
    BOOST_CHECK(header_or_empty(page, "content-type").rfind("text/html", 0) ==
                0);
    BOOST_CHECK(page.body.find("redoc") != std::string::npos);
    BOOST_CHECK_EQUAL(js.status, 200);
    BOOST_CHECK(!js.body.empty());
    BOOST_CHECK_EQUAL(header_or_empty(js_head, "content-length"),
                      std::to_string(js.body.size()));
  } else {
    BOOST_CHECK_EQUAL(js.status, 503);
  }
  auto missing = request(http, "GET", "/docs/no-such-file.js");
  BOOST_CHECK_MESSAGE(missing.status == 404 || missing.status == 503,
                      "GET /docs/no-such-file.js: " << missing.status);
  auto sneaky = request(http, "GET", "/docs/..%2f..%2fetc%2fpasswd");
  BOOST_CHECK_MESSAGE(sneaky.status == 404 || sneaky.status == 503,
                      "path escape: " << sneaky.status);
  BOOST_CHECK(sneaky.body.find("root:") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(options_on_every_path_is_a_204_preflight) {
  struct path {
    std::string target;
    std::string methods;
  };
  const std::vector<path> paths{
      {"/api/users", "POST"},
      {"/api/users/0190b2c4-5d6e-7f80-9a1b-2c3d4e5f6a7b", "GET"},
      {"/api/orders", "POST"},
      {"/api/orders/0190b2c4-5d6e-7f80-9a1b-2c3d4e5f6a7b", "GET"},
      {"/healthz", "GET"},
      {"/readyz", "GET"},
      {"/metrics", "GET"},
      {"/openapi.json", "GET"},
      {"/docs", "GET"},
      {"/docs/redoc.standalone.js", "GET"},
  };
  for (auto& p : paths) {
    BOOST_TEST_CONTEXT(p.target) {
      auto r = checked(
          request(http, "OPTIONS", p.target, {},
                  {{"Origin", "https://shop.example"},
                   {"Access-Control-Request-Method", p.methods},
                   {"Access-Control-Request-Headers", "x-request-id"}}));
      BOOST_CHECK_EQUAL(r.status, 204);
      BOOST_CHECK(r.body.empty());
      BOOST_CHECK(
          header_or_empty(r, "access-control-allow-methods").find(p.methods) !=
          std::string::npos);
      BOOST_CHECK_EQUAL(header_or_empty(r, "access-control-allow-headers"),
                        "x-request-id");
      request_id_of(r);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_client_request_id_is_echoed_on_every_route) {
  auto uid = make_user("trace-cy")["id"].get<std::string>();
  auto with_id = [&](const std::string& method, const std::string& target,
                     const std::string& id, const std::string& body = {}) {
    auto r =
        request(http, method, target, body,
                {{"Content-Type", "application/json"}, {"X-Request-Id", id}});
    BOOST_CHECK_MESSAGE(request_id_of(r) == id,
                        method << ' ' << target << ": "
                               << header_or_empty(r, "x-request-id"));
    return r;
  };
  BOOST_CHECK_EQUAL(with_id("GET", "/healthz", "h-1").status, 200);
  BOOST_CHECK_EQUAL(with_id("GET", "/api/users/" + uid, "u:2.x_Y").status, 200);
  BOOST_CHECK_EQUAL(with_id("GET", "/api/users?limit=1", "list-3").status, 200);
  auto order = with_id(
      "POST", "/api/orders", "order-4",
      json{{"userId", uid},
           {"products", {{{"productId", "p"}, {"quantity", 1}, {"price", 1}}}}}
          .dump());
  BOOST_CHECK_EQUAL(order.status, 201);
  BOOST_CHECK_EQUAL(with_id("GET", "/api/orders?userId=" + uid, "ol-5").status,
                    200);
  // Errors carry it too: a 404 from a node, a 404 of the edge, a 405.
  BOOST_CHECK_EQUAL(
      with_id("GET", "/api/users/0190b2c4-5d6e-7f80-9a1b-2c3d4e5f6a7b", "nf-6")
          .status,
      404);
  BOOST_CHECK_EQUAL(with_id("GET", "/nowhere", "nf-7").status, 404);
  BOOST_CHECK_EQUAL(with_id("DELETE", "/api/users", "m-8").status, 405);
  BOOST_CHECK_EQUAL(with_id("GET", "/metrics", "m-9").status, 200);
  const std::string longest(128, 'L');
  BOOST_CHECK_EQUAL(with_id("GET", "/readyz", longest).status, 200);
}

BOOST_AUTO_TEST_CASE(without_a_request_id_the_edge_makes_a_fresh_one) {
  auto a = checked(request(http, "GET", "/healthz"));
  auto b = checked(request(http, "GET", "/healthz"));
  auto ida = request_id_of(a);
  auto idb = request_id_of(b);
  BOOST_CHECK_MESSAGE(std::regex_match(ida, made_id), ida);
  BOOST_CHECK_MESSAGE(std::regex_match(idb, made_id), idb);
  BOOST_CHECK_NE(ida, idb);
}

BOOST_AUTO_TEST_CASE(a_bad_request_id_is_refused_with_400_and_a_made_id) {
  for (auto& bad : std::vector<std::string>{"has space", std::string(129, 'x'),
                                            "semi;colon", "caf\xc3\xa9"}) {
    BOOST_TEST_CONTEXT(bad) {
      auto r = checked(
          request(http, "GET", "/api/users", {}, {{"X-Request-Id", bad}}));
      BOOST_CHECK_EQUAL(r.status, 400);
      BOOST_CHECK_EQUAL(r.body, id_rule);
      auto id = request_id_of(r);
      BOOST_CHECK_NE(id, bad);
      BOOST_CHECK_MESSAGE(std::regex_match(id, made_id), id);
    }
  }
  auto twice = checked(request(http, "POST", "/api/users", "{}",
                               {{"Content-Type", "application/json"},
                                {"X-Request-Id", "a"},
                                {"X-Request-Id", "b"}}));
  BOOST_CHECK_EQUAL(twice.status, 400);
  BOOST_CHECK_EQUAL(twice.body,
                    R"({"error":"X-Request-Id must be given once"})");
  auto id = request_id_of(twice);
  BOOST_CHECK(id != "a" && id != "b");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// A cluster whose edge runs with `--no-metrics`.
struct no_metrics_fixture : e2e_fixture {
  no_metrics_fixture() : e2e_fixture(false) {
    nodes.kind_args[node_kind::edge] = {"--no-metrics"};
    start_all();
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(ops_api_without_metrics, no_metrics_fixture)

BOOST_AUTO_TEST_CASE(with_no_metrics_get_metrics_is_404_and_the_api_serves) {
  auto uid = make_user("quiet-dee")["id"].get<std::string>();
  BOOST_CHECK_EQUAL(get("/api/users/" + uid).status, 200);
  auto r = checked(
      request(http, "GET", "/metrics", {}, {{"X-Request-Id", "m-off"}}));
  BOOST_CHECK_EQUAL(r.status, 404);
  BOOST_CHECK_EQUAL(r.body, "{\"error\":\"Metrics are off (--no-metrics)\"}");
  BOOST_CHECK_EQUAL(request_id_of(r), "m-off");
  // The route still answers its preflight.
  BOOST_CHECK_EQUAL(checked(request(http, "OPTIONS", "/metrics")).status, 204);
}

BOOST_AUTO_TEST_SUITE_END()
