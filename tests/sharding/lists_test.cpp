// Lists merged over 3 user nodes and 2 order nodes: a Link walk returns
// every record exactly once in id order, a poller that follows `after` while
// creates go on sees every record exactly once, and uniform keys spread
// evenly over the nodes.

#include "sharding/sharding.hpp"
#include "support/load.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <thread>

using namespace microshop::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using three_by_two = sharded_fixture<3, 2>;

std::string order_body(const std::string& user_id, int n) {
  return json{{"userId", user_id},
              {"products",
               {{{"productId", "p" + std::to_string(n)},
                 {"quantity", n % 7 + 1},
                 {"price", 0.25}}}}}
      .dump();
}

/// The ids of every 201 of `l`; fails the test when any request got another
/// status.
std::vector<std::string> created_ids(const load& l) {
  std::vector<std::string> ids;
  for (auto& [req, out] : l.results()) {
    BOOST_REQUIRE_MESSAGE(out.status == 201, req.target << " " << req.body
                                                        << " -> " << out.status
                                                        << " " << out.body);
    ids.push_back(field_of(out.body, "id"));
  }
  return ids;
}

/// Waits until `l` sent all it may send.
void finish(load& l, size_t expected) {
  BOOST_REQUIRE_MESSAGE(
      wait_until([&] { return l.results().size() == expected; }, 300s),
      "load did not finish");
  l.stop();
}

/// Checks that each node of `k` holds within 10 % of the mean of `ids`.
void check_spread(const cluster& c, node_kind k,
                  const std::vector<std::string>& ids) {
  std::map<node, size_t> per_node;
  for (auto& id : ids)
    ++per_node[c.owner(k, id)];
  auto n = c.nodes(k);
  double mean = static_cast<double>(ids.size()) / static_cast<double>(n.size());
  for (auto x : n) {
    BOOST_TEST_MESSAGE(to_string(x)
                       << ": " << per_node[x] << " of " << ids.size());
    BOOST_CHECK_MESSAGE(
        std::abs(static_cast<double>(per_node[x]) - mean) <= 0.1 * mean,
        to_string(x) << " holds " << per_node[x] << ", mean " << mean);
  }
}

/// What a poller saw: every id, in the order seen, or what went wrong.
struct polled {
  std::vector<std::string> seen;
  std::string error;
};

/// Polls `path?limit=50&after=<last id seen>` until `done` and one more poll
/// came back empty. Runs on a thread of its own: no test assertions.
polled poll(uint16_t port, const std::string& path,
            const std::atomic<bool>& done) {
  polled out;
  auto& seen = out.seen;
  auto conn = std::make_unique<http_connection>(port);
  for (;;) {
    auto finished = done.load(); // read before the poll it guards
    auto target = path + "?limit=50" +
                  (seen.empty() ? std::string{} : "&after=" + seen.back());
    std::optional<http_response> got;
    try {
      conn->send("GET", target);
      got = conn->read();
    } catch (const std::exception& e) {
      out.error = target + ": " + e.what();
      return out;
    }
    if (!got) {
      out.error = target + ": no answer";
      return out;
    }
    auto& r = *got;
    if (r.status != 200) {
      out.error = target + " -> " + std::to_string(r.status) + " " + r.body;
      return out;
    }
    auto page = r.json();
    for (auto& x : page)
      seen.push_back(x["id"].get<std::string>());
    if (page.empty()) {
      if (finished)
        return out;
      std::this_thread::sleep_for(2ms);
    }
  }
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(merged_lists, three_by_two)

BOOST_AUTO_TEST_CASE(
    a_link_walk_over_2500_users_and_5000_orders_returns_each_once_in_id_order) {
  // Ten clients keep each user node's hash queue (16) from overflowing
  // however the nodes are scheduled; orders take twenty.
  constexpr int clients = 10;
  load users{http, clients,
             [](int client, int n) {
               auto name =
                   "w" + std::to_string(client) + "_" + std::to_string(n);
               return load::request{"POST", "/api/users",
                                    user_body(name, name + "@walk.example")};
             },
             2500 / clients};
  finish(users, 2500);
  auto user_ids = created_ids(users);
  load orders{
      http, 2 * clients,
      [&](int client, int n) {
        auto i = (client * (2500 / clients) + n) % user_ids.size();
        return load::request{"POST", "/api/orders", order_body(user_ids[i], n)};
      },
      2500 / clients};
  finish(orders, 5000);
  auto order_ids = created_ids(orders);
  next_millisecond();

  auto expect_all = [](std::vector<std::string> made,
                       const std::vector<std::string>& walked,
                       const std::string& what) {
    std::sort(made.begin(), made.end());
    BOOST_CHECK_MESSAGE(strictly_ascending(walked),
                        what << ": not each once in id order");
    BOOST_CHECK_MESSAGE(walked == made, what << ": walked " << walked.size()
                                             << " of " << made.size());
  };
  for (auto limit : {"1000", "100", "7"}) {
    expect_all(user_ids, walk(http, std::string{"/api/users?limit="} + limit),
               std::string{"users, limit "} + limit);
    expect_all(order_ids, walk(http, std::string{"/api/orders?limit="} + limit),
               std::string{"orders, limit "} + limit);
  }
  // A user's orders live on one order node, in id order.
  for (size_t i = 0; i < 30; ++i) {
    auto mine = walk(http, "/api/orders?userId=" + user_ids[i] + "&limit=1");
    BOOST_CHECK_EQUAL(mine.size(), 2u);
    BOOST_CHECK(strictly_ascending(mine));
  }
  // Uniform keys spread evenly: a read of a random user, or of the orders of
  // one, goes to the node that owns its shard.
  check_spread(nodes, node_kind::users, user_ids);
  check_spread(nodes, node_kind::orders, order_ids);
}

BOOST_AUTO_TEST_CASE(
    a_poller_following_after_sees_every_record_once_while_creates_go_on) {
  std::vector<std::string> owners;
  for (int i = 0; i < 30; ++i)
    owners.push_back(make_user("owner" + std::to_string(i))["id"]);
  std::atomic<bool> done{false};
  polled users_polled, orders_polled;
  std::thread users_poller{
      [&] { users_polled = poll(http, "/api/users", done); }};
  std::thread orders_poller{
      [&] { orders_polled = poll(http, "/api/orders", done); }};
  {
    load users{http, 6, [](int client, int n) {
                 auto name =
                     "p" + std::to_string(client) + "_" + std::to_string(n);
                 return load::request{"POST", "/api/users",
                                      user_body(name, name + "@poll.example")};
               }};
    load orders{http, 6, [&](int client, int n) {
                  return load::request{
                      "POST", "/api/orders",
                      order_body(owners[(client * 7 + n) % owners.size()], n)};
                }};
    std::this_thread::sleep_for(3s);
    users.stop();
    orders.stop();
    for (auto* l : {&users, &orders})
      for (auto [status, n] : l->by_status())
        BOOST_CHECK_MESSAGE(status == 201, n << " answers " << status);
  }
  next_millisecond();
  done = true;
  users_poller.join();
  orders_poller.join();
  BOOST_REQUIRE_MESSAGE(users_polled.error.empty(), users_polled.error);
  BOOST_REQUIRE_MESSAGE(orders_polled.error.empty(), orders_polled.error);
  auto& users_seen = users_polled.seen;
  auto& orders_seen = orders_polled.seen;
  auto all_users = walk(http, "/api/users?limit=1000");
  auto all_orders = walk(http, "/api/orders?limit=1000");
  BOOST_TEST_MESSAGE("polled " << users_seen.size() << " users, "
                               << orders_seen.size() << " orders");
  BOOST_CHECK(all_orders.size() > 100);
  BOOST_CHECK_MESSAGE(users_seen == all_users,
                      "users: polled " << users_seen.size() << ", listed "
                                       << all_users.size());
  BOOST_CHECK_MESSAGE(orders_seen == all_orders,
                      "orders: polled " << orders_seen.size() << ", listed "
                                        << all_orders.size());
  BOOST_CHECK(strictly_ascending(users_seen));
  BOOST_CHECK(strictly_ascending(orders_seen));
}

BOOST_AUTO_TEST_SUITE_END()
