// GET /metrics' text: the exposition builder (metrics_text) and the edge's
// own request metrics (http_metrics), read back with a strict parser.

#include "actors/node_metrics.hpp"
#include "http_edge/http_metrics.hpp"
#include "http_edge/metrics_text.hpp"
#include "http_edge/routes.hpp"
#include "support/exposition.hpp"

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <set>
#include <string>

using namespace microshop;
using namespace microshop::http_edge;
using namespace microshop::testing;
using namespace std::chrono_literals;

namespace {

std::string number(double v) {
  std::string out;
  append_number(out, v);
  return out;
}

std::string exposition_of(const http_metrics& m, size_t connections = 0,
                          size_t in_flight = 0) {
  metrics_text out;
  m.write(out, connections, in_flight);
  return out.take();
}

} // namespace

BOOST_AUTO_TEST_SUITE(metrics_text_suite)

BOOST_AUTO_TEST_CASE(the_content_type_is_the_text_format_0_0_4) {
  BOOST_CHECK_EQUAL(metrics_content_type,
                    "text/plain; version=0.0.4; charset=utf-8");
}

BOOST_AUTO_TEST_CASE(a_family_is_help_then_type_with_help_escaped) {
  metrics_text t;
  t.family("x_total", "counter", "Counts \\things\nover lines.");
  BOOST_CHECK_EQUAL(t.text(), "# HELP x_total Counts \\\\things\\nover lines.\n"
                              "# TYPE x_total counter\n");
  t.sample("x_total", "", uint64_t{3});
  t.sample("x_total", "a=\"b\",c=\"d\"", 2.5);
  BOOST_CHECK_EQUAL(t.take(), "# HELP x_total Counts \\\\things\\nover lines.\n"
                              "# TYPE x_total counter\n"
                              "x_total 3\n"
                              "x_total{a=\"b\",c=\"d\"} 2.5\n");
  BOOST_CHECK_EQUAL(t.text(), ""); // take empties it
}

BOOST_AUTO_TEST_CASE(numbers_are_written_as_the_format_reads_them) {
  BOOST_CHECK_EQUAL(number(0), "0");
  BOOST_CHECK_EQUAL(number(-0.0), "0");
  BOOST_CHECK_EQUAL(number(1), "1");
  BOOST_CHECK_EQUAL(number(-3), "-3");
  BOOST_CHECK_EQUAL(number(10), "10");
  BOOST_CHECK_EQUAL(number(123456789012345.0), "123456789012345");
  BOOST_CHECK_EQUAL(number(0.5), "0.5");
  BOOST_CHECK_EQUAL(number(0.0005), "0.0005");
  BOOST_CHECK_EQUAL(number(2.5), "2.5");
  BOOST_CHECK_EQUAL(number(std::numeric_limits<double>::infinity()), "+Inf");
  BOOST_CHECK_EQUAL(number(-std::numeric_limits<double>::infinity()), "-Inf");
  BOOST_CHECK_EQUAL(number(std::numeric_limits<double>::quiet_NaN()), "NaN");
  // Large and odd values read back as the same double.
  for (double v : {1e15, 1e20, -1e20, 0.1, 1.0 / 3, 1e-9, 123456.789,
                   18446744073709551615.0}) {
    auto text = number(v);
    BOOST_TEST_CONTEXT(text) {
      BOOST_CHECK_EQUAL(std::strtod(text.c_str(), nullptr), v);
      BOOST_CHECK(text.find(' ') == std::string::npos);
    }
  }
  // Counters past 2^53 keep every digit.
  metrics_text t;
  t.sample("big_total", "", std::numeric_limits<uint64_t>::max());
  BOOST_CHECK_EQUAL(t.text(), "big_total 18446744073709551615\n");
}

BOOST_AUTO_TEST_CASE(a_histogram_has_cumulative_buckets_inf_sum_and_count) {
  const double bounds[] = {0.5, 1, 5};
  const uint64_t counts[] = {1, 0, 2, 3}; // per bucket, the last above 5
  metrics_text t;
  t.family("h", "histogram", "A histogram.");
  t.histogram("h", "route=\"/x\"", bounds, counts, 3, 42.25, 6);
  t.histogram("h", "", bounds, counts, 3, 1, 6);
  BOOST_CHECK_EQUAL(t.text(), "# HELP h A histogram.\n"
                              "# TYPE h histogram\n"
                              "h_bucket{route=\"/x\",le=\"0.5\"} 1\n"
                              "h_bucket{route=\"/x\",le=\"1\"} 1\n"
                              "h_bucket{route=\"/x\",le=\"5\"} 3\n"
                              "h_bucket{route=\"/x\",le=\"+Inf\"} 6\n"
                              "h_sum{route=\"/x\"} 42.25\n"
                              "h_count{route=\"/x\"} 6\n"
                              "h_bucket{le=\"0.5\"} 1\n"
                              "h_bucket{le=\"1\"} 1\n"
                              "h_bucket{le=\"5\"} 3\n"
                              "h_bucket{le=\"+Inf\"} 6\n"
                              "h_sum 1\n"
                              "h_count 6\n");
  auto e = parse_exposition(t.text());
  BOOST_CHECK_EQUAL(check_histograms(e, "h"), 2u);
}

BOOST_AUTO_TEST_CASE(escaped_label_values_read_back_unchanged) {
  const std::string odd = "a\\b \"c\"\nd {e=f},";
  metrics_text t;
  t.family("microshop_node_link_up", "gauge", "Up.");
  t.sample("microshop_node_link_up", "node=\"" + actors::label_value(odd) + '"',
           uint64_t{1});
  auto e = parse_exposition(t.text());
  auto& s = e.families.at("microshop_node_link_up").samples;
  BOOST_REQUIRE_EQUAL(s.size(), 1u);
  BOOST_CHECK_EQUAL(s[0].labels.at("node"), odd);
  BOOST_CHECK_EQUAL(t.text().find('\n', t.text().find("node=")),
                    t.text().size() - 1); // one line
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(http_metrics_suite)

BOOST_AUTO_TEST_CASE(methods_are_labelled_by_name_and_the_rest_is_other) {
  const std::pair<const char*, method_label> known[] = {
      {"GET", method_label::get},         {"HEAD", method_label::head},
      {"POST", method_label::post},       {"PUT", method_label::put},
      {"PATCH", method_label::patch},     {"DELETE", method_label::del},
      {"OPTIONS", method_label::options},
  };
  for (auto& [text, m] : known) {
    BOOST_CHECK(method_of(text) == m);
    BOOST_CHECK_EQUAL(method_name(m), text);
  }
  for (auto text : {"get", "BREW", "TRACE", "CONNECT", "", "GET "})
    BOOST_CHECK_MESSAGE(method_of(text) == method_label::other, text);
  BOOST_CHECK_EQUAL(method_name(method_label::other), "other");
  BOOST_CHECK_EQUAL(method_name(method_label::count), "other");
}

BOOST_AUTO_TEST_CASE(route_templates_are_fixed_texts) {
  BOOST_CHECK_EQUAL(route_template(resource::users), "/api/users");
  BOOST_CHECK_EQUAL(route_template(resource::user), "/api/users/{id}");
  BOOST_CHECK_EQUAL(route_template(resource::orders), "/api/orders");
  BOOST_CHECK_EQUAL(route_template(resource::order), "/api/orders/{id}");
  BOOST_CHECK_EQUAL(route_template(resource::healthz), "/healthz");
  BOOST_CHECK_EQUAL(route_template(resource::readyz), "/readyz");
  BOOST_CHECK_EQUAL(route_template(resource::metrics), "/metrics");
  BOOST_CHECK_EQUAL(route_template(resource::openapi), "/openapi.json");
  BOOST_CHECK_EQUAL(route_template(resource::docs), "/docs");
  BOOST_CHECK_EQUAL(route_template(resource::none), "unmatched");
}

BOOST_AUTO_TEST_CASE(an_empty_edge_describes_every_family_once) {
  http_metrics m;
  auto e = parse_exposition(exposition_of(m, 3, 1));
  const std::vector<std::string> expected{
      "http_requests_total", "http_request_duration_seconds",
      "http_connections_open", "http_requests_in_flight",
      "microshop_batch_size"};
  BOOST_CHECK_EQUAL_COLLECTIONS(e.order.begin(), e.order.end(),
                                expected.begin(), expected.end());
  BOOST_CHECK_EQUAL(e.families["http_requests_total"].type, "counter");
  BOOST_CHECK(e.families["http_requests_total"].samples.empty());
  BOOST_CHECK(e.families["http_request_duration_seconds"].samples.empty());
  BOOST_CHECK_EQUAL(e.families["http_connections_open"].type, "gauge");
  BOOST_CHECK_EQUAL(e.value("http_connections_open"), "3");
  BOOST_CHECK_EQUAL(e.families["http_requests_in_flight"].type, "gauge");
  BOOST_CHECK_EQUAL(e.value("http_requests_in_flight"), "1");
  // Both batch histograms are there from the start, at zero.
  BOOST_CHECK_EQUAL(check_histograms(e, "microshop_batch_size"), 2u);
  BOOST_CHECK_EQUAL(e.value("microshop_batch_size_count",
                            {{"service", "users"}, {"call", "get"}}),
                    "0");
  for (auto& [name, f] : e.families)
    BOOST_CHECK_MESSAGE(!f.help.empty(), name << " has no help");
}

BOOST_AUTO_TEST_CASE(answers_are_counted_by_method_route_and_status) {
  http_metrics m;
  m.on_answer(resource::user, method_label::get, 200, 300us);
  m.on_answer(resource::user, method_label::get, 200, 2ms);
  m.on_answer(resource::user, method_label::get, 404, 1ms);
  m.on_answer(resource::users, method_label::post, 201, 30ms);
  m.on_answer(resource::none, method_label::other, 400, 0us);
  m.on_answer(resource::metrics, method_label::head, 405, 0us);
  auto e = parse_exposition(exposition_of(m));
  auto total = [&](const char* method, const char* route, const char* status) {
    return e.value("http_requests_total",
                   {{"method", method}, {"route", route}, {"status", status}});
  };
  BOOST_CHECK_EQUAL(total("GET", "/api/users/{id}", "200"), "2");
  BOOST_CHECK_EQUAL(total("GET", "/api/users/{id}", "404"), "1");
  BOOST_CHECK_EQUAL(total("POST", "/api/users", "201"), "1");
  BOOST_CHECK_EQUAL(total("other", "unmatched", "400"), "1");
  BOOST_CHECK_EQUAL(total("HEAD", "/metrics", "405"), "1");
  BOOST_CHECK_EQUAL(e.families["http_requests_total"].samples.size(), 5u);
  // Durations by method and route (not by status).
  BOOST_CHECK_EQUAL(check_histograms(e, "http_request_duration_seconds"), 4u);
  std::map<std::string, std::string> user_get{{"method", "GET"},
                                              {"route", "/api/users/{id}"}};
  BOOST_CHECK_EQUAL(e.value("http_request_duration_seconds_count", user_get),
                    "3");
  auto sum = std::stod(e.value("http_request_duration_seconds_sum", user_get));
  BOOST_CHECK_CLOSE(sum, 0.0033, 1e-6);
}

BOOST_AUTO_TEST_CASE(durations_fall_into_the_buckets_0_5_ms_to_10_s) {
  http_metrics m;
  m.on_answer(resource::user, method_label::get, 200, 500us); // on a bound
  m.on_answer(resource::user, method_label::get, 200, 501us);
  m.on_answer(resource::user, method_label::get, 200, 7s);
  m.on_answer(resource::user, method_label::get, 200, 10s);
  m.on_answer(resource::user, method_label::get, 200, 11s);
  m.on_answer(resource::user, method_label::get, 200, -5ms); // clock skew
  auto e = parse_exposition(exposition_of(m));
  check_histograms(e, "http_request_duration_seconds");
  auto bucket = [&](const char* le) {
    return e.value(
        "http_request_duration_seconds_bucket",
        {{"method", "GET"}, {"route", "/api/users/{id}"}, {"le", le}});
  };
  const std::vector<std::string> bounds{
      "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
      "0.25",   "0.5",   "1",      "2.5",   "5",    "10",    "+Inf"};
  std::vector<std::string> les;
  for (auto& s : e.families["http_request_duration_seconds"].samples)
    if (s.name == "http_request_duration_seconds_bucket")
      les.push_back(s.labels.at("le"));
  BOOST_CHECK_EQUAL_COLLECTIONS(les.begin(), les.end(), bounds.begin(),
                                bounds.end());
  BOOST_CHECK_EQUAL(bucket("0.0005"), "2"); // 500 us and the negative one
  BOOST_CHECK_EQUAL(bucket("0.001"), "3");
  BOOST_CHECK_EQUAL(bucket("5"), "3");
  BOOST_CHECK_EQUAL(bucket("10"), "5");
  BOOST_CHECK_EQUAL(bucket("+Inf"), "6");
  auto sum =
      std::stod(e.value("http_request_duration_seconds_sum",
                        {{"method", "GET"}, {"route", "/api/users/{id}"}}));
  BOOST_CHECK_CLOSE(sum, 0.0005 + 0.000501 + 7 + 10 + 11, 1e-9);
}

BOOST_AUTO_TEST_CASE(batch_sizes_are_a_histogram_per_service_and_call) {
  http_metrics m;
  m.on_batch(batch_kind::user_get, 1);
  m.on_batch(batch_kind::user_get, 3);
  m.on_batch(batch_kind::user_get, 3);
  m.on_batch(batch_kind::order_create, 256);
  m.on_batch(batch_kind::order_create, 300);
  auto e = parse_exposition(exposition_of(m));
  BOOST_CHECK_EQUAL(check_histograms(e, "microshop_batch_size"), 2u);
  auto users = [&](const char* le) {
    return e.value("microshop_batch_size_bucket",
                   {{"service", "users"}, {"call", "get"}, {"le", le}});
  };
  auto orders = [&](const char* le) {
    return e.value("microshop_batch_size_bucket",
                   {{"service", "orders"}, {"call", "create"}, {"le", le}});
  };
  BOOST_CHECK_EQUAL(users("1"), "1");
  BOOST_CHECK_EQUAL(users("2"), "1");
  BOOST_CHECK_EQUAL(users("4"), "3");
  BOOST_CHECK_EQUAL(users("+Inf"), "3");
  BOOST_CHECK_EQUAL(e.value("microshop_batch_size_sum",
                            {{"service", "users"}, {"call", "get"}}),
                    "7");
  BOOST_CHECK_EQUAL(orders("128"), "0");
  BOOST_CHECK_EQUAL(orders("256"), "1");
  BOOST_CHECK_EQUAL(orders("+Inf"), "2");
  BOOST_CHECK_EQUAL(e.value("microshop_batch_size_count",
                            {{"service", "orders"}, {"call", "create"}}),
                    "2");
}

BOOST_AUTO_TEST_CASE(a_routed_request_is_counted_by_template_never_by_id) {
  // As the edge does: route_request names the resource, the answer is
  // counted under it.
  http_metrics m;
  const std::string ids[] = {"0190b2c4-5d6e-7f80-9a1b-2c3d4e5f6a7b",
                             "not-a-valid-id-at-all", "12345"};
  for (auto& id : ids)
    for (auto base : {"/api/users/", "/api/orders/"}) {
      http_request req;
      req.method = "GET";
      req.target = base + id + "?x=" + id;
      resource r = resource::none;
      auto routed = route_request(req, &r);
      BOOST_CHECK(r == (std::string{base} == "/api/users/" ? resource::user
                                                           : resource::order));
      int status = std::holds_alternative<response>(routed)
                       ? std::get<response>(routed).status
                       : 200;
      m.on_answer(r, method_of(req.method), status, 1ms);
    }
  http_request unknown;
  unknown.method = "GET";
  unknown.target = "/secret/0190b2c4";
  resource r = resource::users;
  route_request(unknown, &r);
  BOOST_CHECK(r == resource::none);
  m.on_answer(r, method_label::get, 404, 1ms);
  auto text = exposition_of(m);
  for (auto& id : ids)
    BOOST_CHECK_MESSAGE(text.find(id) == std::string::npos, id << " in text");
  BOOST_CHECK(text.find("0190b2c4") == std::string::npos);
  BOOST_CHECK(text.find("secret") == std::string::npos);
  auto e = parse_exposition(text);
  std::set<std::string> routes;
  for (auto& s : e.families["http_requests_total"].samples)
    routes.insert(s.labels.at("route"));
  const std::set<std::string> expected{"/api/users/{id}", "/api/orders/{id}",
                                       "unmatched"};
  BOOST_CHECK_EQUAL_COLLECTIONS(routes.begin(), routes.end(), expected.begin(),
                                expected.end());
}

BOOST_AUTO_TEST_SUITE_END()
