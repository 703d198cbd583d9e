// X-Request-Id: the rule, the ids the edge makes, the id a connection writes
// on every answer (in-place refusals too), what an answer_observer is told,
// and route_request's 400 for a bad or doubled one.

#include "http_edge/connection.hpp"
#include "http_edge/request_id.hpp"
#include "http_edge/routes.hpp"

#include <boost/test/unit_test.hpp>
#include <regex>
#include <string>
#include <unordered_set>
#include <vector>

using namespace microshop::http_edge;
using namespace std::chrono_literals;

namespace {

const std::regex made_id{"[0-9a-f]{8}-[0-9a-f]+"};

bool is_made(const std::string& id) {
  return std::regex_match(id, made_id);
}

http_request with_ids(const std::vector<std::string>& ids) {
  http_request req;
  req.method = "GET";
  req.target = "/healthz";
  req.headers.emplace_back("host", "x");
  for (auto& id : ids)
    req.headers.emplace_back("x-request-id", id);
  return req;
}

/// The values of every `name:` header line of the raw answers in `text`.
std::vector<std::string> header_values(const std::string& text,
                                       const std::string& name) {
  std::vector<std::string> out;
  auto needle = "\r\n" + name + ": ";
  for (auto i = text.find(needle); i != std::string::npos;
       i = text.find(needle, i + 1)) {
    auto start = i + needle.size();
    out.push_back(text.substr(start, text.find("\r\n", start) - start));
  }
  return out;
}

/// The values of every `name:` header in `text`, joined with " | ".
std::string headers_of(const std::string& text, const std::string& name) {
  std::string out;
  for (auto& v : header_values(text, name))
    out += (out.empty() ? "" : " | ") + v;
  return out;
}

struct answer_seen {
  resource route;
  method_label method;
  int status;
  std::string request_id;
};

struct recorder : answer_observer {
  std::vector<answer_seen> seen;
  void on_answer(resource r, method_label m, int status,
                 std::chrono::steady_clock::duration d,
                 std::string_view request_id) override {
    BOOST_CHECK(d >= std::chrono::steady_clock::duration::zero());
    seen.push_back({r, m, status, std::string{request_id}});
  }
};

using clock_type = connection::clock;

struct conn_fixture {
  clock_type::time_point t0 = clock_type::now();
  recorder obs;
  connection c{1, request_limits{}, connection_limits{}, t0};

  conn_fixture() {
    c.observe(&obs);
  }

  void feed(const std::string& bytes) {
    c.receive(bytes.data(), bytes.size(), t0);
  }

  std::string written() {
    std::vector<char> out;
    c.write(out);
    return {out.begin(), out.end()};
  }

  /// Takes the next request and answers it with `status`.
  uint64_t answer_next(int status, resource r = resource::healthz) {
    auto a = c.next_request();
    BOOST_REQUIRE(a);
    c.set_route(a->first, r);
    BOOST_REQUIRE(c.answer(a->first, response{status, "{}", {}}));
    return a->first;
  }
};

std::string get_with(const std::string& extra) {
  return "GET /healthz HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

} // namespace

BOOST_AUTO_TEST_SUITE(request_id_rules)

BOOST_AUTO_TEST_CASE(an_id_is_1_to_128_characters) {
  BOOST_CHECK(!is_valid_request_id(""));
  BOOST_CHECK(is_valid_request_id("a"));
  BOOST_CHECK(is_valid_request_id(std::string(127, 'x')));
  BOOST_CHECK(is_valid_request_id(std::string(128, 'x')));
  BOOST_CHECK(!is_valid_request_id(std::string(129, 'x')));
  BOOST_CHECK(!is_valid_request_id(std::string(100000, 'x')));
}

BOOST_AUTO_TEST_CASE(exactly_the_listed_characters_are_allowed) {
  const std::string allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
                              "vwxyz0123456789-_.:";
  for (int b = 0; b < 256; ++b) {
    char c = static_cast<char>(b);
    bool expected = allowed.find(c) != std::string::npos;
    BOOST_CHECK_MESSAGE(is_valid_request_id(std::string(1, c)) == expected,
                        "byte " << b);
    // Anywhere in an id, not just alone.
    BOOST_CHECK_MESSAGE(is_valid_request_id("ab" + std::string(1, c) + "cd") ==
                            expected,
                        "byte " << b << " inside");
  }
  BOOST_CHECK(is_valid_request_id(allowed));
}

BOOST_AUTO_TEST_CASE(the_rule_text_is_the_documented_one) {
  BOOST_CHECK_EQUAL(
      request_id_rule(),
      "X-Request-Id must be 1 to 128 characters of A-Z a-z 0-9 - _ . :");
}

BOOST_AUTO_TEST_CASE(made_ids_are_valid_and_unique_over_100k) {
  std::unordered_set<std::string> seen;
  std::string prefix;
  for (int i = 0; i < 100000; ++i) {
    auto id = make_request_id();
    if (!is_valid_request_id(id) || !is_made(id))
      BOOST_FAIL("bad id " << id);
    if (!seen.insert(id).second)
      BOOST_FAIL("repeated id " << id);
    if (prefix.empty())
      prefix = id.substr(0, 8);
    else if (id.substr(0, 8) != prefix)
      BOOST_FAIL("prefix changed: " << id);
  }
  BOOST_CHECK_EQUAL(seen.size(), 100000u);
}

BOOST_AUTO_TEST_CASE(request_id_of_takes_one_valid_header_else_makes_one) {
  auto none = request_id_of(with_ids({}));
  BOOST_CHECK(is_made(none));
  BOOST_CHECK_EQUAL(request_id_of(with_ids({"client-1:a.b_c"})),
                    "client-1:a.b_c");
  BOOST_CHECK_EQUAL(request_id_of(with_ids({std::string(128, 'z')})),
                    std::string(128, 'z'));
  for (auto& ids :
       std::vector<std::vector<std::string>>{{"same", "same"},
                                             {"one", "two"},
                                             {"bad id"},
                                             {""},
                                             {std::string(129, 'z')},
                                             {"good", "bad id"}}) {
    auto id = request_id_of(with_ids(ids));
    BOOST_CHECK_MESSAGE(is_made(id), id);
    for (auto& given : ids)
      BOOST_CHECK_NE(id, given);
  }
  // Each call makes a new one.
  BOOST_CHECK_NE(request_id_of(with_ids({})), request_id_of(with_ids({})));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(request_id_on_answers, conn_fixture)

BOOST_AUTO_TEST_CASE(a_valid_client_id_is_echoed_and_exposed) {
  feed(get_with("X-Request-Id: trace-42:a\r\n"));
  auto seq = answer_next(200);
  (void)seq;
  auto text = written();
  BOOST_CHECK_EQUAL(headers_of(text, "X-Request-Id"), "trace-42:a");
  BOOST_CHECK_EQUAL(headers_of(text, "Access-Control-Expose-Headers"),
                    "X-Request-Id");
  BOOST_REQUIRE_EQUAL(obs.seen.size(), 1u);
  BOOST_CHECK_EQUAL(obs.seen[0].request_id, "trace-42:a");
}

BOOST_AUTO_TEST_CASE(an_answer_without_a_client_id_gets_a_made_one) {
  feed(get_with(""));
  auto a = c.next_request();
  BOOST_REQUIRE(a);
  auto id = c.request_id(a->first);
  BOOST_CHECK(is_made(id));
  c.answer(a->first, response{200, "{}", {}});
  auto text = written();
  BOOST_CHECK_EQUAL(headers_of(text, "X-Request-Id"), id);
  BOOST_CHECK_EQUAL(c.request_id(a->first), ""); // gone once written
}

BOOST_AUTO_TEST_CASE(an_invalid_or_doubled_client_id_is_never_echoed) {
  feed(get_with("X-Request-Id: has space\r\n") +
       get_with("X-Request-Id: a\r\nX-Request-Id: b\r\n") +
       get_with("X-Request-Id: " + std::string(129, 'q') + "\r\n"));
  for (int i = 0; i < 3; ++i)
    answer_next(400);
  auto ids = header_values(written(), "X-Request-Id");
  BOOST_REQUIRE_EQUAL(ids.size(), 3u);
  for (auto& id : ids)
    BOOST_CHECK_MESSAGE(is_made(id), id);
  BOOST_CHECK_NE(ids[0], ids[1]);
}

BOOST_AUTO_TEST_CASE(pipelined_answers_carry_their_own_ids_in_order) {
  feed(get_with("X-Request-Id: first\r\n") + get_with("") +
       get_with("X-Request-Id: third\r\n"));
  auto a = c.next_request();
  auto b = c.next_request();
  auto d = c.next_request();
  BOOST_REQUIRE(a && b && d);
  auto made = c.request_id(b->first);
  // Answered out of order, written in order.
  c.answer(d->first, response{200, "{}", {}});
  c.answer(b->first, response{404, "{}", {}});
  c.answer(a->first, response{201, "{}", {}});
  auto ids = header_values(written(), "X-Request-Id");
  BOOST_REQUIRE_EQUAL(ids.size(), 3u);
  BOOST_CHECK_EQUAL(ids[0], "first");
  BOOST_CHECK_EQUAL(ids[1], made);
  BOOST_CHECK_EQUAL(ids[2], "third");
}

BOOST_AUTO_TEST_CASE(an_answer_with_its_own_expose_header_keeps_it_alone) {
  feed(get_with("X-Request-Id: r1\r\n"));
  auto a = c.next_request();
  BOOST_REQUIRE(a);
  response r{201, "{}", {}};
  r.headers.emplace_back("Access-Control-Expose-Headers",
                         "X-Request-Id, Idempotent-Replayed, Location");
  c.answer(a->first, std::move(r));
  auto text = written();
  BOOST_CHECK_EQUAL(headers_of(text, "Access-Control-Expose-Headers"),
                    "X-Request-Id, Idempotent-Replayed, Location");
  BOOST_CHECK_EQUAL(headers_of(text, "X-Request-Id"), "r1");
}

BOOST_AUTO_TEST_CASE(a_malformed_request_400_carries_an_id) {
  feed("BLAH\r\n\r\n");
  auto text = written();
  BOOST_CHECK_EQUAL(text.substr(0, 12), "HTTP/1.1 400");
  auto ids = header_values(text, "X-Request-Id");
  BOOST_REQUIRE_EQUAL(ids.size(), 1u);
  BOOST_CHECK(is_made(ids[0]));
  BOOST_CHECK_EQUAL(headers_of(text, "Access-Control-Expose-Headers"),
                    "X-Request-Id");
  BOOST_REQUIRE_EQUAL(obs.seen.size(), 1u);
  BOOST_CHECK(obs.seen[0].route == resource::none);
  BOOST_CHECK(obs.seen[0].method == method_label::other);
  BOOST_CHECK_EQUAL(obs.seen[0].status, 400);
  BOOST_CHECK_EQUAL(obs.seen[0].request_id, ids[0]);
}

BOOST_AUTO_TEST_CASE(a_408_for_slow_headers_carries_an_id) {
  feed("GET /healthz HTTP/1.1\r\nX-Request-Id: slow\r\nHo");
  c.check_deadlines(t0 + 11s);
  auto text = written();
  BOOST_CHECK_EQUAL(text.substr(0, 12), "HTTP/1.1 408");
  auto ids = header_values(text, "X-Request-Id");
  BOOST_REQUIRE_EQUAL(ids.size(), 1u);
  BOOST_CHECK(is_valid_request_id(ids[0]));
  BOOST_REQUIRE_EQUAL(obs.seen.size(), 1u);
  BOOST_CHECK_EQUAL(obs.seen[0].status, 408);
  BOOST_CHECK_EQUAL(obs.seen[0].request_id, ids[0]);
}

BOOST_AUTO_TEST_CASE(a_413_for_a_large_body_carries_an_id) {
  request_limits small;
  small.max_body_bytes = 10;
  connection big{2, small, connection_limits{}, t0};
  big.observe(&obs);
  std::string req = "POST /api/users HTTP/1.1\r\nHost: x\r\n"
                    "Content-Type: application/json\r\n"
                    "Content-Length: 100\r\n\r\n";
  big.receive(req.data(), req.size(), t0);
  std::vector<char> out;
  BOOST_CHECK(big.write(out));
  std::string text(out.begin(), out.end());
  BOOST_CHECK_EQUAL(text.substr(0, 12), "HTTP/1.1 413");
  auto ids = header_values(text, "X-Request-Id");
  BOOST_REQUIRE_EQUAL(ids.size(), 1u);
  BOOST_CHECK(is_valid_request_id(ids[0]));
  BOOST_REQUIRE_EQUAL(obs.seen.size(), 1u);
  BOOST_CHECK_EQUAL(obs.seen[0].status, 413);
}

BOOST_AUTO_TEST_CASE(a_refusal_of_the_edge_carries_an_id) {
  c.refuse(error_response(503, "Server is out of request memory"));
  auto text = written();
  BOOST_CHECK_EQUAL(text.substr(0, 12), "HTTP/1.1 503");
  BOOST_CHECK_EQUAL(header_values(text, "X-Request-Id").size(), 1u);
}

BOOST_AUTO_TEST_CASE(the_observer_sees_route_method_status_and_id) {
  feed("POST /api/users HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
       "X-Request-Id: p1\r\n\r\n{}" +
       get_with("X-Request-Id: g1\r\n") +
       "TRACE /pot HTTP/1.1\r\nHost: x\r\n\r\n" +
       "OPTIONS /api/orders HTTP/1.1\r\nHost: x\r\n\r\n");
  answer_next(201, resource::users);
  answer_next(200, resource::user);
  answer_next(405, resource::none);
  BOOST_CHECK(obs.seen.empty()); // told when written, not when answered
  answer_next(204, resource::orders);
  written();
  BOOST_REQUIRE_EQUAL(obs.seen.size(), 4u);
  BOOST_CHECK(obs.seen[0].route == resource::users);
  BOOST_CHECK(obs.seen[0].method == method_label::post);
  BOOST_CHECK_EQUAL(obs.seen[0].status, 201);
  BOOST_CHECK_EQUAL(obs.seen[0].request_id, "p1");
  BOOST_CHECK(obs.seen[1].route == resource::user);
  BOOST_CHECK(obs.seen[1].method == method_label::get);
  BOOST_CHECK_EQUAL(obs.seen[1].request_id, "g1");
  BOOST_CHECK(obs.seen[2].route == resource::none);
  BOOST_CHECK(obs.seen[2].method == method_label::other);
  BOOST_CHECK_EQUAL(obs.seen[2].status, 405);
  BOOST_CHECK(is_made(obs.seen[2].request_id));
  BOOST_CHECK(obs.seen[3].method == method_label::options);
  BOOST_CHECK(obs.seen[3].route == resource::orders);
}

BOOST_AUTO_TEST_CASE(a_request_never_routed_is_observed_as_unmatched) {
  feed(get_with(""));
  auto a = c.next_request();
  BOOST_REQUIRE(a);
  c.answer(a->first, response{503, "{}", {}}); // no set_route
  written();
  BOOST_REQUIRE_EQUAL(obs.seen.size(), 1u);
  BOOST_CHECK(obs.seen[0].route == resource::none);
  BOOST_CHECK(obs.seen[0].method == method_label::get);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(request_id_routing)

namespace {

response routed(http_request req, resource* matched = nullptr) {
  auto r = route_request(req, matched);
  BOOST_REQUIRE(std::holds_alternative<response>(r));
  return std::get<response>(r);
}

constexpr auto rule_body =
    R"({"error":"X-Request-Id must be 1 to 128 characters of A-Z a-z 0-9 - _ . :"})";
constexpr auto twice_body = R"({"error":"X-Request-Id must be given once"})";

} // namespace

BOOST_AUTO_TEST_CASE(a_bad_id_is_400_naming_the_rule) {
  for (auto& bad :
       std::vector<std::string>{"", "a b", "caf\xc3\xa9", "a/b", "a,b",
                                std::string(129, 'x'), "\"q\"", "a\tb"}) {
    auto r = routed(with_ids({bad}));
    BOOST_CHECK_EQUAL(r.status, 400);
    BOOST_CHECK_EQUAL(r.body, rule_body);
  }
}

BOOST_AUTO_TEST_CASE(an_id_given_twice_is_400_even_when_both_are_valid) {
  for (auto& ids : std::vector<std::vector<std::string>>{
           {"a", "a"}, {"a", "b"}, {"a", "b", "c"}}) {
    auto r = routed(with_ids(ids));
    BOOST_CHECK_EQUAL(r.status, 400);
    BOOST_CHECK_EQUAL(r.body, twice_body);
  }
}

BOOST_AUTO_TEST_CASE(the_id_is_checked_before_the_route) {
  // On an unknown path, a wrong method, a POST with a bad body: the id's
  // 400 comes first, and the resource is still named.
  auto req = with_ids({"bad id"});
  req.target = "/nowhere";
  resource m = resource::users;
  BOOST_CHECK_EQUAL(routed(req, &m).body, rule_body);
  BOOST_CHECK(m == resource::none);
  req.target = "/api/users/x";
  req.method = "DELETE";
  BOOST_CHECK_EQUAL(routed(req, &m).body, rule_body);
  BOOST_CHECK(m == resource::user);
  req.method = "POST";
  req.target = "/api/users";
  req.body = "{not json";
  BOOST_CHECK_EQUAL(routed(req, &m).body, rule_body);
  BOOST_CHECK(m == resource::users);
}

BOOST_AUTO_TEST_CASE(a_valid_id_changes_nothing_else) {
  for (auto& ids : std::vector<std::vector<std::string>>{
           {}, {"a"}, {std::string(128, '.')}, {"A-z_0.9:x"}}) {
    auto r = routed(with_ids(ids));
    BOOST_CHECK_EQUAL(r.status, 200);
    BOOST_CHECK_EQUAL(r.body, "{\"status\":\"ok\"}");
  }
  auto req = with_ids({"ok-1"});
  req.target = "/metrics";
  resource m = resource::none;
  auto r = route_request(req, &m);
  BOOST_CHECK(std::holds_alternative<metrics_call>(r));
  BOOST_CHECK(m == resource::metrics);
}

BOOST_AUTO_TEST_SUITE_END()
