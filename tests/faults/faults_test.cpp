// Fault tests: nothing acknowledged is lost. Real three-process cluster,
// real HTTP load, real kill -9 / SIGSTOP. Each reports requests sent,
// acknowledged and found afterwards.

#include "e2e/e2e.hpp"
#include "support/load.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>
#include <iterator>
#include <random>
#include <set>
#include <thread>

using namespace microshop::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct fault_fixture : e2e_fixture {
  std::vector<std::string> user_ids;

  fault_fixture() {
    for (int i = 0; i < 8; ++i)
      user_ids.push_back(make_user("base" + std::to_string(i))["id"]);
  }

  load::generator order_posts() {
    return [ids = user_ids](int client, int n) {
      auto uid = ids[(client * 7 + n) % ids.size()];
      auto body = json{{"userId", uid},
                       {"products",
                        {{{"productId", "c" + std::to_string(client)},
                          {"quantity", n % 5 + 1},
                          {"price", 1.25}}}}}
                      .dump();
      return load::request{"POST", "/api/orders", body};
    };
  }

  static load::generator user_posts(const std::string& tag) {
    return [tag](int client, int n) {
      auto name = tag + std::to_string(client) + "_" + std::to_string(n);
      auto body = json{{"username", name},
                       {"email", name + "@faults.example.com"},
                       {"password", "password-" + name}}
                      .dump();
      return load::request{"POST", "/api/users", body};
    };
  }

  /// Restarts `n` and waits until the cluster is ready again.
  void restart(node n) {
    nodes.start(n);
    wait_ready();
  }

  /// Checks that every 201 of `results` is readable with the same content
  /// under `collection`; reports and returns how many were found.
  int verify_acknowledged(
      const std::string& scenario,
      const std::vector<std::pair<load::request, outcome>>& results,
      const std::string& collection) {
    int sent = static_cast<int>(results.size());
    int acked = 0;
    int found = 0;
    std::map<int, int> statuses;
    for (auto& [req, out] : results) {
      ++statuses[out.status];
      if (out.status != 201)
        continue;
      ++acked;
      auto created = json::parse(out.body);
      auto id = created["id"].get<std::string>();
      auto r = get(collection + "/" + id);
      if (r.status == 200 && r.json() == created)
        ++found;
      else
        BOOST_ERROR(scenario << ": acknowledged " << id << " is " << r.status
                             << " " << r.body);
    }
    std::ostringstream line;
    line << "FAULT " << scenario << ": sent=" << sent
         << " acknowledged=" << acked << " found=" << found << " statuses={";
    for (auto& [status, count] : statuses)
      line << " " << status << ":" << count;
    line << " }";
    std::cout << line.str() << std::endl;
    BOOST_TEST_MESSAGE(line.str());
    BOOST_CHECK_EQUAL(found, acked);
    BOOST_CHECK_GT(acked, 0);
    return found;
  }

  /// Fails the test for any status but those in `allowed`.
  static void only(const std::map<int, int>& statuses,
                   const std::set<int>& allowed, const std::string& scenario) {
    for (auto& [status, count] : statuses)
      BOOST_CHECK_MESSAGE(allowed.count(status) > 0,
                          scenario << ": " << count << " answers with status "
                                   << status);
  }

  /// Every item of the listing at `target`, following its `Link: rel="next"`
  /// pages to the end.
  std::vector<json> list_all(std::string target) {
    std::vector<json> items;
    while (!target.empty()) {
      auto r = get(target);
      BOOST_REQUIRE_MESSAGE(r.status == 200, target << ": " << r.status);
      for (auto& item : r.json())
        items.push_back(item);
      target.clear();
      if (auto* link = r.header("link")) {
        auto open = link->find('<');
        auto close = link->find('>');
        BOOST_REQUIRE(open != std::string::npos && close != std::string::npos);
        target = link->substr(open + 1, close - open - 1);
      }
    }
    return items;
  }

  /// Orders through the list equal the union of the per-user lists (every
  /// order has its index entry); returns the number of orders.
  size_t check_order_index() {
    std::set<std::string> all;
    for (auto& o : list_all("/api/orders?limit=1000"))
      all.insert(o["id"].get<std::string>());
    std::set<std::string> indexed;
    for (auto& u : list_all("/api/users?limit=1000"))
      for (auto& o : list_all("/api/orders?limit=1000&userId=" +
                              u["id"].get<std::string>()))
        indexed.insert(o["id"].get<std::string>());
    std::vector<std::string> only_listed;
    std::set_difference(all.begin(), all.end(), indexed.begin(), indexed.end(),
                        std::back_inserter(only_listed));
    std::vector<std::string> only_indexed;
    std::set_difference(indexed.begin(), indexed.end(), all.begin(), all.end(),
                        std::back_inserter(only_indexed));
    BOOST_CHECK_MESSAGE(
        only_listed.empty() && only_indexed.empty(),
        all.size() << " orders listed, " << indexed.size() << " through users; "
                   << only_listed.size() << " not in the by-user index, "
                   << only_indexed.size() << " only in the by-user index");
    return all.size();
  }

  /// Every user holds both unique keys: taking its name or email again, in
  /// another case, is 409. Returns the number of users checked.
  size_t check_user_keys() {
    size_t checked = 0;
    auto upper = [](std::string s) {
      for (auto& c : s)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return s;
    };
    for (auto& u : list_all("/api/users?limit=1000")) {
      auto name = u["username"].get<std::string>();
      auto email = u["email"].get<std::string>();
      auto by_name =
          post("/api/users", json{{"username", upper(name)},
                                  {"email", "fresh-" + name + "@x.example.com"},
                                  {"password", "password-1"}}
                                 .dump());
      BOOST_CHECK_MESSAGE(by_name.status == 409,
                          name << " username key: " << by_name.status);
      auto by_email = post("/api/users", json{{"username", "fresh-" + name},
                                              {"email", upper(email)},
                                              {"password", "password-1"}}
                                             .dump());
      BOOST_CHECK_MESSAGE(by_email.status == 409,
                          email << " email key: " << by_email.status);
      ++checked;
    }
    return checked;
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(faults, fault_fixture)

BOOST_AUTO_TEST_CASE(kill9_of_the_order_node_under_order_load_loses_no_ack) {
  load orders{http, 8, order_posts()};
  std::this_thread::sleep_for(1s);
  nodes.kill9(node::orders);
  std::this_thread::sleep_for(700ms);
  restart(node::orders);
  std::this_thread::sleep_for(1s);
  orders.stop();
  only(orders.by_status(), {201, 503, 504}, "kill9_order_node");
  verify_acknowledged("kill9_order_node", orders.results(), "/api/orders");
  BOOST_CHECK_EQUAL(place(user_ids[0]).status, 201);
}

BOOST_AUTO_TEST_CASE(kill9_of_the_user_node_under_user_creation_loses_no_ack) {
  load users{http, 6, user_posts("k")};
  std::this_thread::sleep_for(1s);
  nodes.kill9(node::users);
  std::this_thread::sleep_for(700ms);
  restart(node::users);
  std::this_thread::sleep_for(1s);
  users.stop();
  only(users.by_status(), {201, 503, 504}, "kill9_user_node");
  verify_acknowledged("kill9_user_node", users.results(), "/api/users");
  BOOST_CHECK_EQUAL(make_user("after")["username"], "after");
}

BOOST_AUTO_TEST_CASE(sigstop_of_the_user_node_is_503_not_a_hang_then_recovers) {
  nodes.process(node::users).signal(SIGSTOP);
  // Load for longer than the verify timeout: every order must come back 503
  // (a hang would show as status 0 after the client's 10 s read timeout).
  load orders{http, 4, order_posts()};
  std::this_thread::sleep_for(2500ms);
  orders.stop();
  BOOST_CHECK_GE(orders.results().size(), 4u);
  auto t0 = std::chrono::steady_clock::now();
  auto r = place(user_ids[0]);
  auto took = std::chrono::steady_clock::now() - t0;
  BOOST_CHECK_EQUAL(r.status, 503);
  BOOST_CHECK(took < 3s); // verify timeout 2 s
  BOOST_CHECK_EQUAL(get("/api/orders").status, 200);
  BOOST_CHECK_EQUAL(get("/healthz").status, 200);
  only(orders.by_status(), {503}, "sigstop_user_node");
  nodes.process(node::users).signal(SIGCONT);
  BOOST_CHECK(
      wait_until([&] { return place(user_ids[0]).status == 201; }, 15s));
  std::cout
      << "FAULT sigstop_user_node: sent=" << orders.results().size() + 1
      << " acknowledged=0 (all 503 while stopped) answered_in_ms="
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
      << std::endl;
}

BOOST_AUTO_TEST_CASE(kill9_of_the_edge_leaves_nothing_half_written) {
  load orders{http, 6, order_posts()};
  load users{http, 2, user_posts("e")};
  std::this_thread::sleep_for(1s);
  nodes.kill9(node::edge);
  std::this_thread::sleep_for(300ms);
  restart(node::edge);
  std::this_thread::sleep_for(700ms);
  orders.stop();
  users.stop();
  // Requests cut by the kill have no answer (0); none is a 5xx but 503/504.
  only(orders.by_status(), {0, 201, 503, 504}, "kill9_edge");
  only(users.by_status(), {0, 201, 503, 504}, "kill9_edge");
  verify_acknowledged("kill9_edge_orders", orders.results(), "/api/orders");
  verify_acknowledged("kill9_edge_users", users.results(), "/api/users");
  auto n_orders = check_order_index();
  auto n_users = check_user_keys();
  std::cout << "FAULT kill9_edge: consistent: " << n_orders
            << " orders each in the by-user index, " << n_users
            << " users each holding both unique keys" << std::endl;
}

BOOST_AUTO_TEST_CASE(restarting_every_node_in_turn_under_load_loses_no_ack) {
  load orders{http, 6, order_posts()};
  load users{http, 2, user_posts("r")};
  std::this_thread::sleep_for(700ms);
  BOOST_CHECK_EQUAL(nodes.stop(node::users), 0);
  std::this_thread::sleep_for(500ms);
  restart(node::users);
  std::this_thread::sleep_for(500ms);
  nodes.kill9(node::orders);
  std::this_thread::sleep_for(500ms);
  restart(node::orders);
  std::this_thread::sleep_for(500ms);
  BOOST_CHECK_EQUAL(nodes.stop(node::edge), 0);
  restart(node::edge);
  std::this_thread::sleep_for(700ms);
  orders.stop();
  users.stop();
  only(orders.by_status(), {0, 201, 503, 504}, "rolling_restart");
  only(users.by_status(), {0, 201, 503, 504}, "rolling_restart");
  verify_acknowledged("rolling_restart_orders", orders.results(),
                      "/api/orders");
  verify_acknowledged("rolling_restart_users", users.results(), "/api/users");
  check_order_index();
}

BOOST_AUTO_TEST_SUITE_END()
