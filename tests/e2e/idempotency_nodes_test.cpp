// Idempotency-Key when nodes go down, crash and restart, and when a key's
// outcome outlives its TTL; real node processes over HTTP, any shape.

#include "e2e/idempotency.hpp"

#include <csignal>
#include <thread>

using namespace microshop::testing;
using namespace std::chrono_literals;

namespace {

/// A cluster whose user and order nodes keep key outcomes for 2 s.
struct short_ttl_fixture : idempotency_fixture {
  short_ttl_fixture() : idempotency_fixture(false) {
    nodes.kind_args[node_kind::users] = {"--idempotency-ttl=2s"};
    nodes.kind_args[node_kind::orders] = {"--idempotency-ttl=2s"};
    start_all();
  }
};

/// A cluster whose edge gives up on a node after 1 s (504).
struct fast_timeout_fixture : idempotency_fixture {
  fast_timeout_fixture() : idempotency_fixture(false) {
    nodes.extra_args[node::edge] = {"--request-timeout=1s"};
    start_all();
  }

  /// Retries `body` with `key` until it is not the in-progress 409.
  http_response retry(const std::string& target, const std::string& body,
                      const std::string& key) {
    auto r = post_keyed(target, body, key);
    for (int i = 0; i < 100 && r.status == 409 && !is_replay(r); ++i) {
      std::this_thread::sleep_for(50ms);
      r = post_keyed(target, body, key);
    }
    return r;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(idempotency_node_failures, idempotency_fixture)

BOOST_AUTO_TEST_CASE(a_keyed_create_is_503_while_its_key_node_is_down) {
  // Only the key's node can tell a retry from a first request: no other
  // node takes the create.
  const std::string key = "k-down";
  auto owner = key_owner(key);
  // A /readyz round just before the crash: what it found must not count
  // once the node is lost (else the wait below ends before the restarted
  // node and its peers reach each other again).
  BOOST_REQUIRE_EQUAL(get("/readyz").status, 200);
  nodes.kill9(owner);
  auto body = user_json("alice", "alice@example.com");
  auto t0 = std::chrono::steady_clock::now();
  auto r = post_keyed("/api/users", body, key);
  BOOST_CHECK(std::chrono::steady_clock::now() - t0 < 3s);
  BOOST_CHECK_EQUAL(r.status, 503);
  BOOST_CHECK_EQUAL(r.body, R"({"error":"User service unavailable"})");
  BOOST_CHECK(!is_replay(r));
  nodes.start(owner);
  wait_ready();
  // Nothing was stored: the retry creates, and its retry replays.
  auto created = post_keyed("/api/users", body, key);
  BOOST_REQUIRE_EQUAL(created.status, 201);
  BOOST_CHECK(!is_replay(created));
  check_replay(created, post_keyed("/api/users", body, key));
  BOOST_CHECK_EQUAL(count("/api/users"), 1u);
}

BOOST_AUTO_TEST_CASE(a_keyed_user_outlives_a_kill9_of_its_node) {
  const std::string key = "k-crash";
  auto body = user_json("bob", "bob@example.com");
  auto first = post_keyed("/api/users", body, key);
  BOOST_REQUIRE_EQUAL(first.status, 201);
  auto owner = key_owner(key);
  BOOST_CHECK(owner == nodes.owner(node_kind::users,
                                   first.json()["id"].get<std::string>()));
  nodes.kill9(owner);
  nodes.start(owner);
  wait_ready();
  check_replay(first, post_keyed("/api/users", body, key));
  BOOST_CHECK_EQUAL(count("/api/users"), 1u);
}

BOOST_AUTO_TEST_CASE(a_keyed_order_outlives_a_kill9_of_its_node) {
  auto uid = make_user("carol")["id"].get<std::string>();
  auto body = order_json(uid);
  auto first = post_keyed("/api/orders", body, "o-crash");
  BOOST_REQUIRE_EQUAL(first.status, 201);
  auto owner = nodes.owner(node_kind::orders, uid);
  nodes.kill9(owner);
  nodes.start(owner);
  wait_ready();
  check_replay(first, post_keyed("/api/orders", body, "o-crash"));
  BOOST_CHECK_EQUAL(count("/api/orders?userId=" + uid), 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(idempotency_timeouts, fast_timeout_fixture)

BOOST_AUTO_TEST_CASE(a_retry_after_a_504_replays_what_the_stalled_node_did) {
  // A 504 leaves the outcome unknown: the stalled node still creates once
  // it runs again, and the retry gets that outcome instead of a second one.
  const std::string key = "k-504";
  auto owner = key_owner(key);
  auto body = user_json("erin", "erin@example.com");
  nodes.process(owner).signal(SIGSTOP);
  auto timed_out = post_keyed("/api/users", body, key);
  nodes.process(owner).signal(SIGCONT);
  BOOST_CHECK_EQUAL(timed_out.status, 504);
  auto user = retry("/api/users", body, key);
  BOOST_CHECK_EQUAL(user.status, 201);
  BOOST_CHECK(is_replay(user));
  BOOST_CHECK_EQUAL(count("/api/users"), 1u);
  auto uid = user.json()["id"].get<std::string>();
  auto order_body = order_json(uid);
  auto order_node = nodes.owner(node_kind::orders, uid);
  nodes.process(order_node).signal(SIGSTOP);
  auto late = post_keyed("/api/orders", order_body, "o-504");
  nodes.process(order_node).signal(SIGCONT);
  BOOST_CHECK_EQUAL(late.status, 504);
  auto order = retry("/api/orders", order_body, "o-504");
  BOOST_CHECK_EQUAL(order.status, 201);
  BOOST_CHECK(is_replay(order));
  BOOST_CHECK_EQUAL(count("/api/orders?userId=" + uid), 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(idempotency_ttl, short_ttl_fixture)

BOOST_AUTO_TEST_CASE(after_its_ttl_a_key_is_new_again) {
  for (auto n : nodes.all())
    if (n.kind != node_kind::edge)
      BOOST_CHECK_MESSAGE(nodes.log(n).find("warning: --idempotency-ttl") !=
                              std::string::npos,
                          to_string(n) << ": " << nodes.log(n));
  auto body = user_json("dave", "dave@example.com");
  auto user = post_keyed("/api/users", body, "k-ttl");
  BOOST_REQUIRE_EQUAL(user.status, 201);
  auto uid = user.json()["id"].get<std::string>();
  auto order_body = order_json(uid);
  auto order = post_keyed("/api/orders", order_body, "o-ttl");
  BOOST_REQUIRE_EQUAL(order.status, 201);
  // Within the TTL: replays.
  check_replay(user, post_keyed("/api/users", body, "k-ttl"));
  check_replay(order, post_keyed("/api/orders", order_body, "o-ttl"));
  std::this_thread::sleep_for(3s);
  // Past it: the user create runs again and finds its username taken (an
  // outcome stored anew and replayed), the order is placed a second time.
  auto taken = post_keyed("/api/users", body, "k-ttl");
  BOOST_CHECK_EQUAL(taken.status, 409);
  BOOST_CHECK_EQUAL(error_of(taken), "username already taken");
  BOOST_CHECK(!is_replay(taken));
  check_replay(taken, post_keyed("/api/users", body, "k-ttl"));
  auto second = post_keyed("/api/orders", order_body, "o-ttl");
  BOOST_CHECK_EQUAL(second.status, 201);
  BOOST_CHECK(!is_replay(second));
  BOOST_CHECK_NE(second.json()["id"], order.json()["id"]);
  BOOST_CHECK_EQUAL(count("/api/orders?userId=" + uid), 2u);
  BOOST_CHECK_EQUAL(count("/api/users"), 1u);
}

BOOST_AUTO_TEST_SUITE_END()
