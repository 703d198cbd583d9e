// Idempotency-Key over HTTP, rule by rule (API.md § Idempotency), against a
// real cluster of any shape.

#include "e2e/idempotency.hpp"

#include <memory>
#include <set>

using namespace microshop::testing;
using nlohmann::json;

namespace {

/// Sends `body` to `target` with `key` on `n` connections at once (each
/// request written before any answer is read); the answers, in order.
std::vector<http_response> burst(uint16_t port, const std::string& target,
                                 const std::string& body,
                                 const std::string& key, int n) {
  std::vector<std::unique_ptr<http_connection>> conns;
  for (int i = 0; i < n; ++i)
    conns.push_back(std::make_unique<http_connection>(port));
  for (auto& c : conns)
    c->send("POST", target, body,
            {{"Content-Type", "application/json"}, {"Idempotency-Key", key}});
  std::vector<http_response> out;
  for (auto& c : conns) {
    auto r = c->read();
    BOOST_REQUIRE_MESSAGE(r, "no answer");
    out.push_back(std::move(*r));
  }
  return out;
}

/// Checks that `rs` holds one created answer, and otherwise only its
/// replays or the in-progress 409; returns the created one.
http_response one_created(const std::vector<http_response>& rs) {
  const http_response* first = nullptr;
  for (auto& r : rs)
    if (r.status == 201 && !idempotency_fixture::is_replay(r)) {
      BOOST_CHECK_MESSAGE(!first, "two creates: " << r.body);
      first = &r;
    }
  BOOST_REQUIRE_MESSAGE(first, "nothing created");
  int replays = 0;
  int busy = 0;
  for (auto& r : rs) {
    if (&r == first)
      continue;
    if (r.status == 409) {
      BOOST_CHECK_EQUAL(
          r.body,
          R"({"error":"A request with this Idempotency-Key is in progress"})");
      BOOST_CHECK(!idempotency_fixture::is_replay(r));
      ++busy;
    } else {
      idempotency_fixture::check_replay(*first, r);
      ++replays;
    }
  }
  BOOST_TEST_MESSAGE(rs.size() << " at once: 1 created, " << replays
                               << " replayed, " << busy << " in progress");
  return *first;
}

const std::string reused =
    R"({"error":"Idempotency-Key reused with a different request"})";

} // namespace

BOOST_FIXTURE_TEST_SUITE(idempotent_users, idempotency_fixture)

BOOST_AUTO_TEST_CASE(a_retried_keyed_create_replays_the_201_and_adds_nothing) {
  auto body = user_json("alice", "alice@example.com");
  auto first = post_keyed("/api/users", body, "k-alice");
  BOOST_REQUIRE_EQUAL(first.status, 201);
  BOOST_CHECK(!first.header("idempotent-replayed"));
  auto again = post_keyed("/api/users", body, "k-alice");
  check_replay(first, again);
  BOOST_CHECK_EQUAL(count("/api/users"), 1u);
  auto id = first.json()["id"].get<std::string>();
  BOOST_CHECK_EQUAL(get("/api/users/" + id).json(), first.json());
}

BOOST_AUTO_TEST_CASE(the_key_with_another_user_body_is_422) {
  auto body = user_json("alice", "alice@example.com", "password-1");
  auto first = post_keyed("/api/users", body, "k1");
  BOOST_REQUIRE_EQUAL(first.status, 201);
  for (auto other : {user_json("alice2", "alice@example.com", "password-1"),
                     user_json("alice", "alice2@example.com", "password-1"),
                     // Breaks the password rule: told by the fingerprint.
                     user_json("alice", "alice@example.com", "short")}) {
    auto r = post_keyed("/api/users", other, "k1");
    BOOST_CHECK_MESSAGE(r.status == 422, other << " -> " << r.status);
    BOOST_CHECK_EQUAL(r.body, reused);
    BOOST_CHECK(!is_replay(r));
  }
  BOOST_CHECK_EQUAL(count("/api/users"), 1u);
  // The key still holds its outcome, and a password that keeps the rule is
  // not compared: the same replay, so a key never tells whether a password
  // is right.
  check_replay(first, post_keyed("/api/users", body, "k1"));
  check_replay(first,
               post_keyed("/api/users",
                          user_json("alice", "alice@example.com", "password-2"),
                          "k1"));
}

BOOST_AUTO_TEST_CASE(sixteen_identical_keyed_creates_at_once_make_one_user) {
  auto body = user_json("bob", "bob@example.com");
  auto first = one_created(burst(http, "/api/users", body, "k-bob", 16));
  auto users = get_list("/api/users").json();
  BOOST_REQUIRE_EQUAL(users.size(), 1u);
  BOOST_CHECK_EQUAL(users[0], first.json());
  check_replay(first, post_keyed("/api/users", body, "k-bob"));
}

BOOST_AUTO_TEST_CASE(refusals_the_node_decided_are_replayed) {
  make_user("carol");
  // Taken: 409, and the same again with the header.
  auto taken = user_json("carol", "other@example.com");
  auto first = post_keyed("/api/users", taken, "k-taken");
  BOOST_CHECK_EQUAL(first.status, 409);
  BOOST_CHECK_EQUAL(error_of(first), "username already taken");
  check_replay(first, post_keyed("/api/users", taken, "k-taken"));
  // A rule the node checks: 400, replayed.
  auto bad = user_json("al", "al@example.com");
  auto rule = post_keyed("/api/users", bad, "k-rule");
  BOOST_CHECK_EQUAL(rule.status, 400);
  BOOST_CHECK_EQUAL(error_of(rule).rfind("username", 0), 0u);
  check_replay(rule, post_keyed("/api/users", bad, "k-rule"));
  // A refusal is not compared by password: the stored 409 again.
  auto other_pw = user_json("carol", "other@example.com", "password-9");
  check_replay(first, post_keyed("/api/users", other_pw, "k-taken"));
  BOOST_CHECK_EQUAL(count("/api/users"), 1u);
}

BOOST_AUTO_TEST_CASE(answers_of_the_edge_are_not_stored) {
  // Malformed JSON and 415 with a key: the same on a retry, never replayed,
  // and the key stays free for a good body.
  for (int i = 0; i < 2; ++i) {
    auto r = post_keyed("/api/users", "{not json", "k-edge");
    BOOST_CHECK_EQUAL(r.status, 400);
    BOOST_CHECK(!is_replay(r));
    auto t = post_with(
        "/api/users", user_json("dave", "dave@example.com"),
        {{"Content-Type", "text/plain"}, {"Idempotency-Key", "k-edge"}});
    BOOST_CHECK_EQUAL(t.status, 415);
    BOOST_CHECK(!is_replay(t));
  }
  auto ok =
      post_keyed("/api/users", user_json("dave", "dave@example.com"), "k-edge");
  BOOST_CHECK_EQUAL(ok.status, 201);
  BOOST_CHECK(!is_replay(ok));
}

BOOST_AUTO_TEST_CASE(a_bad_or_repeated_key_header_is_400_before_the_body) {
  const std::string rule =
      R"({"error":"Idempotency-Key must be 1-255 printable ASCII characters"})";
  const std::string once = R"({"error":"Idempotency-Key must be given once"})";
  auto good = user_json("erin", "erin@example.com");
  std::vector<std::pair<std::string, std::string>> bad_keys{
      {"", "empty"},
      {std::string(256, 'k'), "256 characters"},
      {"caf\xc3\xa9", "non-ASCII"},
      {"a\tb", "a tab"}};
  for (auto& [target, body] : std::vector<std::pair<std::string, std::string>>{
           {"/api/users", good},
           {"/api/users", "{not json"},
           {"/api/orders", order_json("00000000-0000-7000-8000-000000000000")},
           {"/api/orders", "[1]"}}) {
    for (auto& [key, what] : bad_keys) {
      auto r = post_keyed(target, body, key);
      BOOST_CHECK_MESSAGE(r.status == 400 && r.body == rule,
                          target << " " << what << " -> " << r.status << " "
                                 << r.body);
    }
    // DEL is refused by the HTTP parser already: 400 all the same.
    auto del = post_keyed(target, body,
                          "a\x7f"
                          "b");
    BOOST_CHECK_EQUAL(del.status, 400);
    auto twice = post_with(target, body,
                           {{"Content-Type", "application/json"},
                            {"Idempotency-Key", "a"},
                            {"Idempotency-Key", "a"}});
    BOOST_CHECK_EQUAL(twice.status, 400);
    BOOST_CHECK_EQUAL(twice.body, once);
  }
  BOOST_CHECK_EQUAL(count("/api/users"), 0u);
  BOOST_CHECK_EQUAL(count("/api/orders"), 0u);
  // 255 printable characters, space and tilde included, are a key.
  auto longest = "k " + std::string(252, 'x') + "~";
  BOOST_REQUIRE_EQUAL(longest.size(), 255u);
  auto r = post_keyed("/api/users", good, longest);
  BOOST_CHECK_EQUAL(r.status, 201);
  check_replay(r, post_keyed("/api/users", good, longest));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(idempotent_orders, idempotency_fixture)

BOOST_AUTO_TEST_CASE(a_retried_keyed_order_replays_the_201_and_adds_nothing) {
  auto uid = make_user("alice")["id"].get<std::string>();
  auto body = order_json(uid);
  auto first = post_keyed("/api/orders", body, "o-1");
  BOOST_REQUIRE_EQUAL(first.status, 201);
  BOOST_CHECK(!first.header("idempotent-replayed"));
  check_replay(first, post_keyed("/api/orders", body, "o-1"));
  auto orders = get_list("/api/orders?userId=" + uid).json();
  BOOST_REQUIRE_EQUAL(orders.size(), 1u);
  BOOST_CHECK_EQUAL(orders[0], first.json());
  BOOST_CHECK_EQUAL(count("/api/orders"), 1u);
}

BOOST_AUTO_TEST_CASE(the_key_with_another_order_body_is_422) {
  auto uid = make_user("alice")["id"].get<std::string>();
  auto first = post_keyed("/api/orders", order_json(uid, "tea", 2, 1.25), "o");
  BOOST_REQUIRE_EQUAL(first.status, 201);
  for (auto other :
       {order_json(uid, "coffee", 2, 1.25), order_json(uid, "tea", 3, 1.25),
        order_json(uid, "tea", 2, 1.26)}) {
    auto r = post_keyed("/api/orders", other, "o");
    BOOST_CHECK_MESSAGE(r.status == 422, other << " -> " << r.status);
    BOOST_CHECK_EQUAL(r.body, reused);
  }
  // The same request with its fields in another order is the same request.
  auto spelled = R"({"products":[{"price":1.25,"quantity":2,)"
                 R"("productId":"tea"}],"userId":")" +
                 uid + "\"}";
  check_replay(first, post_keyed("/api/orders", spelled, "o"));
  BOOST_CHECK_EQUAL(count("/api/orders"), 1u);
}

BOOST_AUTO_TEST_CASE(sixteen_identical_keyed_orders_at_once_make_one_order) {
  auto uid = make_user("bob")["id"].get<std::string>();
  auto body = order_json(uid);
  auto first = one_created(burst(http, "/api/orders", body, "o-bob", 16));
  auto orders = get_list("/api/orders?userId=" + uid).json();
  BOOST_REQUIRE_EQUAL(orders.size(), 1u);
  BOOST_CHECK_EQUAL(orders[0], first.json());
  check_replay(first, post_keyed("/api/orders", body, "o-bob"));
}

BOOST_AUTO_TEST_CASE(refusals_the_node_decided_are_replayed) {
  // A user that does not exist: 400 User not found, replayed.
  auto nobody = order_json("00000000-0000-7000-8000-000000000000");
  auto missing = post_keyed("/api/orders", nobody, "o-nobody");
  BOOST_CHECK_EQUAL(missing.status, 400);
  BOOST_CHECK_EQUAL(error_of(missing), "User not found");
  check_replay(missing, post_keyed("/api/orders", nobody, "o-nobody"));
  // A rule the node checks (quantity 0): 400, replayed.
  auto uid = make_user("carol")["id"].get<std::string>();
  auto zero = order_json(uid, "tea", 0);
  auto rule = post_keyed("/api/orders", zero, "o-zero");
  BOOST_CHECK_EQUAL(rule.status, 400);
  BOOST_CHECK_EQUAL(error_of(rule).rfind("products[0].", 0), 0u);
  check_replay(rule, post_keyed("/api/orders", zero, "o-zero"));
  BOOST_CHECK_EQUAL(count("/api/orders"), 0u);
}

BOOST_AUTO_TEST_CASE(a_key_belongs_to_its_user_id_and_its_endpoint) {
  auto alice = make_user("alice")["id"].get<std::string>();
  auto bob = make_user("bob")["id"].get<std::string>();
  // One key, two users, the same products: two orders.
  auto a = post_keyed("/api/orders", order_json(alice), "shared");
  auto b = post_keyed("/api/orders", order_json(bob), "shared");
  BOOST_REQUIRE_EQUAL(a.status, 201);
  BOOST_REQUIRE_EQUAL(b.status, 201);
  BOOST_CHECK(!is_replay(b));
  BOOST_CHECK_NE(a.json()["id"], b.json()["id"]);
  check_replay(a, post_keyed("/api/orders", order_json(alice), "shared"));
  check_replay(b, post_keyed("/api/orders", order_json(bob), "shared"));
  // The same key on POST /api/users is a third key.
  auto u = post_keyed("/api/users", user_json("carol", "carol@example.com"),
                      "shared");
  BOOST_CHECK_EQUAL(u.status, 201);
  BOOST_CHECK(!is_replay(u));
  BOOST_CHECK_EQUAL(count("/api/orders"), 2u);
  BOOST_CHECK_EQUAL(count("/api/users"), 3u);
}

BOOST_AUTO_TEST_SUITE_END()
