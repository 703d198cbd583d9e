// The order node under failures of its peers and of itself, over real
// processes: in-flight verifies fail at once when the user node dies, and a
// node whose main actor died exits loudly instead of serving nothing.

#include "actors/order_api.hpp"
#include "actors/user_api.hpp"
#include "e2e/e2e.hpp"
#include "support/caf_client.hpp"

#include <boost/test/unit_test.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

using namespace microshop;
using namespace microshop::testing;
using namespace std::chrono_literals;

namespace {

using ms = std::chrono::milliseconds;

ms since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<ms>(std::chrono::steady_clock::now() - t0);
}

/// Stops `p` (every thread of it) with SIGSTOP.
void stop(child_process& p) {
  p.signal(SIGSTOP);
}

/// A cluster whose order node waits 3 s for a verify and whose edge waits
/// 8 s for a node: an answer within a second of the user node's death can
/// come only from the order node noticing it.
struct slow_verify_fixture : e2e_fixture {
  slow_verify_fixture() : e2e_fixture(false) {
    nodes.extra_args[node::orders] = {"--verify-timeout=3s"};
    nodes.extra_args[node::edge] = {"--request-timeout=8s"};
    start_all();
  }
};

std::string order_body(const std::string& user_id) {
  return nlohmann::json{
      {"userId", user_id},
      {"products",
       {{{"productId", "sku-1"}, {"quantity", 2}, {"price", 1.25}}}}}
      .dump();
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(order_node_user_loss, slow_verify_fixture)

BOOST_AUTO_TEST_CASE(
    orders_waiting_on_a_user_node_that_is_killed_get_503_at_once_and_store_nothing) {
  auto uid = make_user("alice")["id"].get<std::string>();
  stop(nodes.process(node::users));
  constexpr int n = 6;
  std::vector<std::unique_ptr<http_connection>> conns;
  for (int i = 0; i < n; ++i) {
    conns.push_back(std::make_unique<http_connection>(http));
    conns.back()->send("POST", "/api/orders", order_body(uid));
  }
  // Nothing observable tells when the verifies reach the stopped node; they
  // need well under a millisecond, 500 ms leaves a wide margin. Were they
  // not yet sent, the test would still pass (the link is down then), so the
  // margin only keeps it meaningful.
  std::this_thread::sleep_for(500ms);
  auto t0 = std::chrono::steady_clock::now();
  nodes.kill9(node::users);
  for (auto& conn : conns) {
    auto r = conn->read(10s);
    BOOST_REQUIRE(r);
    auto took = since(t0);
    BOOST_CHECK_EQUAL(r->status, 503);
    BOOST_CHECK_EQUAL(r->body, R"({"error":"User service unavailable"})");
    BOOST_CHECK_MESSAGE(took < 1000ms,
                        "answered " << took.count() << " ms after the kill");
    BOOST_TEST_MESSAGE("answered " << r->status << " " << took.count()
                                   << " ms after the kill");
  }
  auto listed = get("/api/orders");
  BOOST_CHECK_EQUAL(listed.status, 200);
  BOOST_CHECK_EQUAL(listed.body, "[]");
}

BOOST_AUTO_TEST_CASE(
    an_order_waiting_on_a_stopped_user_node_gets_503_after_the_verify_timeout) {
  auto uid = make_user("bob")["id"].get<std::string>();
  stop(nodes.process(node::users));
  auto t0 = std::chrono::steady_clock::now();
  auto r = post("/api/orders", order_body(uid));
  auto took = since(t0);
  nodes.process(node::users).signal(SIGCONT);
  BOOST_CHECK_EQUAL(r.status, 503);
  BOOST_CHECK_EQUAL(r.body, R"({"error":"User service unavailable"})");
  BOOST_CHECK_MESSAGE(took >= 2900ms && took < 4000ms,
                      "answered after " << took.count() << " ms");
  BOOST_TEST_MESSAGE("answered " << r.status << " after " << took.count()
                                 << " ms");
  BOOST_CHECK_EQUAL(get("/api/orders").body, "[]");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

/// A cluster whose nodes the test starts itself.
struct main_actor_fixture {
  cluster nodes;
  caf_client client;

  /// Waits until `n` exits; its exit code, or -1 after 10 s.
  int exit_code(node n) {
    auto t0 = std::chrono::steady_clock::now();
    auto rc = nodes.process(n).wait(10s);
    BOOST_TEST_MESSAGE(to_string(n) << " exited " << rc << " after "
                                    << since(t0).count() << " ms, log:\n"
                                    << nodes.log(n));
    return rc;
  }

  /// Kills the actor `n` publishes, as any BASP peer can, with an exit
  /// message: a real cause from outside the process.
  template <class Handle> void kill_published_actor(node n) {
    auto h = client.connect<Handle>(nodes.port(n));
    BOOST_REQUIRE_MESSAGE(h, client.why(h));
    caf::anon_send_exit(*h, caf::exit_reason::kill);
  }
};

/// A user node stand-in that answers the hello as users-1 and its links
/// (none) and kills whoever asks it anything else.
actors::user_actor::behavior_type
killing_users(actors::user_actor::pointer self) {
  auto kill_sender = [self] {
    caf::anon_send_exit(self->current_sender(), caf::exit_reason::kill);
    return caf::make_error(caf::sec::runtime_error, "killed the sender");
  };
  return {
      [=](actors::hello_atom, const actors::hello& h)
          -> caf::result<std::string> { return h.expected_node; },
      [=](actors::links_atom) -> caf::result<std::vector<actors::link_state>> {
        return std::vector<actors::link_state>{};
      },
      [=](actors::claim_atom, const actors::unique_claim&)
          -> caf::result<bool> { return kill_sender(); },
      [=](actors::release_atom, const actors::unique_claim&)
          -> caf::result<bool> { return kill_sender(); },
      [=](actors::lookup_atom, const std::string&)
          -> caf::result<actors::id_state> { return kill_sender(); },
      [=](actors::create_atom, const actors::new_user&)
          -> caf::result<actors::user> { return kill_sender(); },
      [=](actors::create_atom, const actors::new_user&, const std::string&)
          -> caf::result<actors::user_result> { return kill_sender(); },
      [=](actors::get_atom, const std::string&) -> caf::result<actors::user> {
        return kill_sender();
      },
      [=](actors::list_atom, const actors::page&)
          -> caf::result<actors::user_page> { return kill_sender(); },
      [=](actors::verify_atom, const std::string&) -> caf::result<bool> {
        return kill_sender();
      },
      [=](actors::get_atom, const std::vector<actors::id_query>&)
          -> caf::result<std::vector<actors::user_result>> {
        return kill_sender();
      },
      [=](actors::verify_atom, const std::vector<actors::id_query>&)
          -> caf::result<std::vector<bool>> { return kill_sender(); },
      [=](actors::metrics_atom) -> caf::result<actors::metric_samples> {
        return kill_sender();
      },
  };
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(node_main_actor, main_actor_fixture)

BOOST_AUTO_TEST_CASE(an_order_node_whose_service_actor_is_killed_exits_70) {
  nodes.start(node::orders);
  kill_published_actor<actors::order_actor>(node::orders);
  BOOST_CHECK_EQUAL(exit_code(node::orders), 70);
  BOOST_CHECK_MESSAGE(
      nodes.log(node::orders).find("order_node: main actor exited (") !=
          std::string::npos,
      nodes.log(node::orders));
}

BOOST_AUTO_TEST_CASE(a_user_node_whose_service_actor_is_killed_exits_70) {
  nodes.start(node::users);
  kill_published_actor<actors::user_actor>(node::users);
  BOOST_CHECK_EQUAL(exit_code(node::users), 70);
  BOOST_CHECK_MESSAGE(
      nodes.log(node::users).find("user_node: main actor exited (") !=
          std::string::npos,
      nodes.log(node::users));
}

BOOST_AUTO_TEST_CASE(an_edge_node_whose_broker_is_killed_exits_70) {
  // The edge's broker asks the user node itself, so a peer in the place of
  // the user node can kill it.
  auto fake = client.system().spawn(killing_users);
  auto port = client.system().middleman().publish(fake, 0, "127.0.0.1", true);
  BOOST_REQUIRE_MESSAGE(port, client.why(port));
  nodes.use_port(node::users, *port);
  nodes.start(node::edge);
  auto http = nodes.port(node::edge);
  BOOST_REQUIRE(wait_until(
      [&] {
        return request(http, "GET", "/readyz")
                   .json()["nodes"]["users-1"]["connected"] == true;
      },
      10s));
  http_connection conn{http};
  conn.send("GET", "/api/users/0190a8c4-2f6e-7000-8000-000000000000");
  BOOST_CHECK_EQUAL(exit_code(node::edge), 70);
  BOOST_CHECK_MESSAGE(
      nodes.log(node::edge).find("edge_node: main actor exited (") !=
          std::string::npos,
      nodes.log(node::edge));
  caf::anon_send_exit(fake, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_CASE(sigterm_still_stops_a_node_with_exit_code_0) {
  nodes.start(node::orders);
  BOOST_CHECK_EQUAL(nodes.stop(node::orders), 0);
  BOOST_CHECK(nodes.log(node::orders).find("main actor exited") ==
              std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(order_node_lists, e2e_fixture)

BOOST_AUTO_TEST_CASE(
    a_list_of_big_orders_comes_in_pages_under_1_mib_whose_links_reach_every_order_once) {
  auto uid = make_user("carol")["id"].get<std::string>();
  nlohmann::json products = nlohmann::json::array();
  for (int i = 0; i < 100; ++i) {
    auto sku = "sku-" + std::to_string(i);
    sku.resize(64, 'x');
    products.push_back(
        {{"productId", sku}, {"quantity", 1000000}, {"price", 1000000000}});
  }
  auto body = nlohmann::json{{"userId", uid}, {"products", products}}.dump();
  std::vector<std::string> placed;
  http_connection conn{http};
  for (int i = 0; i < 160; ++i) {
    conn.send("POST", "/api/orders", body);
    auto r = conn.read();
    BOOST_REQUIRE(r);
    BOOST_REQUIRE_EQUAL(r->status, 201);
    placed.push_back(r->json()["id"].get<std::string>());
  }
  for (const auto& query :
       std::vector<std::string>{"", "userId=" + uid + "&"}) {
    std::vector<std::string> seen;
    std::string target = "/api/orders?" + query + "limit=1000";
    int pages = 0;
    while (!target.empty()) {
      auto r = get(target);
      BOOST_REQUIRE_EQUAL(r.status, 200);
      ++pages;
      BOOST_CHECK_LT(r.body.size(), size_t{1} << 20);
      for (auto& o : r.json())
        seen.push_back(o["id"].get<std::string>());
      target.clear();
      if (auto link = r.header("link")) {
        auto open = link->find('<');
        auto close = link->find('>');
        BOOST_REQUIRE(open != std::string::npos && close > open);
        target = link->substr(open + 1, close - open - 1);
        BOOST_CHECK(target.find("limit=1000") != std::string::npos);
      }
    }
    BOOST_CHECK(seen == placed);
    BOOST_CHECK_EQUAL(pages, 3);
  }
}

BOOST_AUTO_TEST_SUITE_END()
