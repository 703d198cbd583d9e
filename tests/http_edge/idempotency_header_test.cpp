// The edge's side of Idempotency-Key: the header's rules on POST, the key
// handed to the call, and replays marked in the answer.

#include "actors/errc.hpp"
#include "actors/idempotency.hpp"
#include "http_edge/api.hpp"
#include "http_edge/request_parser.hpp"
#include "http_edge/routes.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using namespace microshop;
using namespace microshop::http_edge;
using actors::errc;

namespace {

constexpr auto user_body =
    R"({"username":"amy","email":"amy@example.com","password":"password1"})";
constexpr auto order_body =
    R"({"userId":"u","products":[{"productId":"a","quantity":1,"price":1}]})";

constexpr auto key_rule =
    R"({"error":"Idempotency-Key must be 1-255 printable ASCII characters"})";
constexpr auto key_twice = R"({"error":"Idempotency-Key must be given once"})";

/// Routes a POST to `target` with `body` as JSON and the Idempotency-Key
/// headers `keys`, one header each.
route_result post(const std::string& target, const std::string& body,
                  const std::vector<std::string>& keys,
                  const std::string& type = "application/json") {
  http_request req;
  req.method = "POST";
  req.target = target;
  req.headers.emplace_back("content-type", type);
  for (auto& k : keys)
    req.headers.emplace_back("idempotency-key", k);
  req.body = body;
  return route_request(req);
}

/// The response of `r`, which must be one.
response refusal(const route_result& r) {
  BOOST_REQUIRE(std::holds_alternative<response>(r));
  return std::get<response>(r);
}

/// The value of the header `name` of `r`; empty when it has none.
std::string header(const response& r, const std::string& name) {
  for (auto& [n, v] : r.headers)
    if (n == name)
      return v;
  return {};
}

} // namespace

BOOST_AUTO_TEST_SUITE(idempotency_header)

BOOST_AUTO_TEST_CASE(a_valid_key_goes_into_the_call_of_either_create) {
  auto user = post("/api/users", user_body, {"retry-1"});
  BOOST_REQUIRE(std::holds_alternative<create_user_call>(user));
  BOOST_CHECK_EQUAL(std::get<create_user_call>(user).key, "retry-1");
  BOOST_CHECK_EQUAL(std::get<create_user_call>(user).user.username, "amy");
  auto order = post("/api/orders", order_body, {"a ~any printable~ key"});
  BOOST_REQUIRE(std::holds_alternative<create_order_call>(order));
  BOOST_CHECK_EQUAL(std::get<create_order_call>(order).order.idempotency_key,
                    "a ~any printable~ key");
  auto longest = std::string(255, 'k');
  auto edge = post("/api/orders", order_body, {longest});
  BOOST_REQUIRE(std::holds_alternative<create_order_call>(edge));
  BOOST_CHECK_EQUAL(std::get<create_order_call>(edge).order.idempotency_key,
                    longest);
}

BOOST_AUTO_TEST_CASE(without_the_header_the_key_is_empty) {
  auto user = post("/api/users", user_body, {});
  BOOST_REQUIRE(std::holds_alternative<create_user_call>(user));
  BOOST_CHECK(std::get<create_user_call>(user).key.empty());
  auto order = post("/api/orders", order_body, {});
  BOOST_REQUIRE(std::holds_alternative<create_order_call>(order));
  BOOST_CHECK(std::get<create_order_call>(order).order.idempotency_key.empty());
}

BOOST_AUTO_TEST_CASE(a_key_against_the_rule_is_400_on_both_creates) {
  for (auto target : {"/api/users", "/api/orders"}) {
    auto body = std::string{target} == "/api/users" ? user_body : order_body;
    for (auto key : {std::string{}, std::string(256, 'k'), std::string{"a\x1f"},
                     std::string{"\x7f"}, std::string{"caf\xc3\xa9"},
                     std::string{"tab\tin"}, std::string{" \t "}}) {
      auto r = refusal(post(target, body, {key}));
      BOOST_CHECK_EQUAL(r.status, 400);
      BOOST_CHECK_EQUAL(r.body, key_rule);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_key_given_twice_is_400_even_when_both_are_equal) {
  for (auto target : {"/api/users", "/api/orders"}) {
    auto body = std::string{target} == "/api/users" ? user_body : order_body;
    auto same = refusal(post(target, body, {"k", "k"}));
    BOOST_CHECK_EQUAL(same.status, 400);
    BOOST_CHECK_EQUAL(same.body, key_twice);
    auto other = refusal(post(target, body, {"k", "j"}));
    BOOST_CHECK_EQUAL(other.body, key_twice);
    // Twice wins over a broken value.
    BOOST_CHECK_EQUAL(refusal(post(target, body, {"", "k"})).body, key_twice);
  }
}

BOOST_AUTO_TEST_CASE(the_key_is_checked_before_the_body_and_its_media_type) {
  auto bad_json = refusal(post("/api/users", "{nope", {""}));
  BOOST_CHECK_EQUAL(bad_json.status, 400);
  BOOST_CHECK_EQUAL(bad_json.body, key_rule);
  auto bad_type =
      refusal(post("/api/orders", order_body, {"k", "k"}, "text/plain"));
  BOOST_CHECK_EQUAL(bad_type.status, 400);
  BOOST_CHECK_EQUAL(bad_type.body, key_twice);
  // A valid key leaves the body's own refusals as they were.
  BOOST_CHECK_EQUAL(
      refusal(post("/api/orders", order_body, {"k"}, "text/plain")).status,
      415);
  BOOST_CHECK_EQUAL(refusal(post("/api/users", "{nope", {"k"})).status, 400);
}

BOOST_AUTO_TEST_CASE(the_header_name_is_matched_in_any_case) {
  // The parser lowers header names; a key sent as IDEMPOTENCY-KEY counts.
  std::string wire = "POST /api/users HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/json\r\n"
                     "IDEMPOTENCY-KEY: K-1\r\nidempotency-Key: K-2\r\n"
                     "Content-Length: " +
                     std::to_string(std::string{user_body}.size()) +
                     "\r\n\r\n" + user_body;
  request_parser p;
  std::vector<http_request> out;
  BOOST_REQUIRE_EQUAL(p.feed(wire.data(), wire.size(), out), 0);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  auto r = route_request(out[0]);
  BOOST_CHECK_EQUAL(refusal(r).body, key_twice);
  auto& hs = out[0].headers;
  BOOST_CHECK_EQUAL(
      std::count_if(hs.begin(), hs.end(),
                    [](auto& h) { return h.first == "idempotency-key"; }),
      2);
  hs.erase(std::remove_if(hs.begin(), hs.end(),
                          [](auto& h) { return h.second == "K-2"; }),
           hs.end());
  auto one = route_request(out[0]);
  BOOST_REQUIRE(std::holds_alternative<create_user_call>(one));
  BOOST_CHECK_EQUAL(std::get<create_user_call>(one).key, "K-1");
}

BOOST_AUTO_TEST_CASE(an_empty_header_from_the_wire_is_400_not_lost) {
  for (std::string value : {"", "   "}) {
    std::string wire = "POST /api/users HTTP/1.1\r\nHost: x\r\n"
                       "Idempotency-Key:" +
                       value +
                       "\r\nContent-Type: application/json\r\n"
                       "Content-Length: " +
                       std::to_string(std::string{user_body}.size()) +
                       "\r\n\r\n" + user_body;
    request_parser p;
    std::vector<http_request> out;
    BOOST_REQUIRE_EQUAL(p.feed(wire.data(), wire.size(), out), 0);
    BOOST_REQUIRE_EQUAL(out.size(), 1u);
    auto key = out[0].header("idempotency-key");
    BOOST_REQUIRE_MESSAGE(key, "the empty header was dropped");
    BOOST_TEST_MESSAGE("value [" << *key << "]");
    auto r = refusal(route_request(out[0]));
    BOOST_CHECK_EQUAL(r.status, 400);
    BOOST_CHECK_EQUAL(r.body, key_rule);
  }
  // Around a value, the whitespace is the header's, not the key's: the
  // parser trims it (a tab inside a key is still refused: not printable).
  auto tab = post("/api/orders", order_body, {"k-1\t2"});
  BOOST_CHECK_EQUAL(refusal(std::move(tab)).status, 400);
  std::string wire = "POST /api/users HTTP/1.1\r\nHost: x\r\n"
                     "Idempotency-Key:   k-1  \r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: " +
                     std::to_string(std::string{user_body}.size()) +
                     "\r\n\r\n" + user_body;
  request_parser p;
  std::vector<http_request> out;
  BOOST_REQUIRE_EQUAL(p.feed(wire.data(), wire.size(), out), 0);
  BOOST_REQUIRE_EQUAL(out.size(), 1u);
  auto call = route_request(out[0]);
  BOOST_REQUIRE(std::holds_alternative<create_user_call>(call));
  BOOST_CHECK_EQUAL(std::get<create_user_call>(call).key, "k-1");
}

BOOST_AUTO_TEST_CASE(reads_ignore_the_header) {
  http_request req;
  req.method = "GET";
  req.target = "/api/users";
  req.headers.emplace_back("idempotency-key", "");
  req.headers.emplace_back("idempotency-key", "\x7f");
  BOOST_CHECK(std::holds_alternative<list_users_call>(route_request(req)));
}

BOOST_AUTO_TEST_CASE(a_replayed_answer_carries_the_replay_header) {
  actors::user_result u;
  u.value = {"u-1", "amy", "amy@example.com", 1764087439123};
  auto first = created(u);
  BOOST_CHECK_EQUAL(first.status, 201);
  BOOST_CHECK_EQUAL(header(first, "Location"), "/api/users/u-1");
  BOOST_CHECK_EQUAL(header(first, "Idempotent-Replayed"), "");
  u.replayed = true;
  auto again = created(u);
  BOOST_CHECK_EQUAL(again.status, 201);
  BOOST_CHECK_EQUAL(again.body, first.body);
  BOOST_CHECK_EQUAL(header(again, "Location"), "/api/users/u-1");
  BOOST_CHECK_EQUAL(header(again, "Idempotent-Replayed"), "true");
  auto exposed = header(again, "Access-Control-Expose-Headers");
  BOOST_CHECK(exposed.find("Idempotent-Replayed") != std::string::npos);
  BOOST_CHECK(exposed.find("Location") != std::string::npos);
  // A replayed refusal: the first answer's status and body, marked.
  actors::user_result dup;
  dup.err = caf::make_error(errc::duplicate, "username already taken");
  dup.replayed = true;
  auto d = created(dup);
  BOOST_CHECK_EQUAL(d.status, 409);
  BOOST_CHECK_EQUAL(d.body, R"({"error":"username already taken"})");
  BOOST_CHECK_EQUAL(header(d, "Idempotent-Replayed"), "true");
  // Key answers that are no replay: 422 and 409, unmarked.
  actors::user_result reused;
  reused.err = actors::key_reused();
  auto r = created(reused);
  BOOST_CHECK_EQUAL(r.status, 422);
  BOOST_CHECK_EQUAL(
      r.body, R"({"error":"Idempotency-Key reused with a different request"})");
  BOOST_CHECK_EQUAL(header(r, "Idempotent-Replayed"), "");
  actors::user_result busy;
  busy.err = actors::key_in_progress();
  auto b = created(busy);
  BOOST_CHECK_EQUAL(b.status, 409);
  BOOST_CHECK_EQUAL(
      b.body,
      R"({"error":"A request with this Idempotency-Key is in progress"})");
}

BOOST_AUTO_TEST_CASE(a_replayed_order_answer_carries_the_replay_header) {
  actors::order_result o;
  o.value.id = "o-1";
  o.value.user_id = "u-1";
  o.value.products = {{"a", 1, 100}};
  o.value.total_cents = 100;
  o.value.status = "pending";
  auto first = created(o);
  BOOST_CHECK_EQUAL(first.status, 201);
  BOOST_CHECK_EQUAL(header(first, "Idempotent-Replayed"), "");
  o.replayed = true;
  auto again = created(o);
  BOOST_CHECK_EQUAL(again.status, 201);
  BOOST_CHECK_EQUAL(again.body, first.body);
  BOOST_CHECK_EQUAL(header(again, "Location"), "/api/orders/o-1");
  BOOST_CHECK_EQUAL(header(again, "Idempotent-Replayed"), "true");
  // An unknown user is the order create's 400, replayed as such.
  actors::order_result unknown;
  unknown.err = actors::not_found(errc::user_not_found);
  unknown.replayed = true;
  auto u = created(unknown);
  BOOST_CHECK_EQUAL(u.status, 400);
  BOOST_CHECK_EQUAL(u.body, R"({"error":"User not found"})");
  BOOST_CHECK_EQUAL(header(u, "Idempotent-Replayed"), "true");
  // Unavailable is never a replay.
  actors::order_result down;
  down.err = caf::make_error(errc::unavailable, "User service unavailable");
  auto d = created(down);
  BOOST_CHECK_EQUAL(d.status, 503);
  BOOST_CHECK_EQUAL(header(d, "Idempotent-Replayed"), "");
}

BOOST_AUTO_TEST_SUITE_END()
