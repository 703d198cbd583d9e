// The edge over 2 user and 2 order nodes: stand-ins of the services'
// typed handles, published over BASP in a second actor system, and real HTTP
// on a socket. Each stand-in answers with its own name, so that the answers
// show which node a request went to.

#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/shard_map.hpp"
#include "http_edge/edge.hpp"
#include "support/caf_client.hpp"
#include "support/http_client.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using namespace microshop;
using namespace microshop::actors;
using microshop::testing::http_connection;
using microshop::testing::request;

namespace {

std::string owner_name(const std::string& prefix, std::string_view id) {
  return prefix + std::to_string(shard_of_id(id, 128) % 2 + 1);
}

/// What a stand-in reports of its own links, set by the test; and how often
/// it was asked. Shared with the stand-in's thread.
struct reported_links {
  std::mutex mtx;
  /// Reported when `silent` is false.
  std::vector<link_state> links;
  /// Asks are held unanswered (a node too busy to answer).
  bool silent = false;
  int asked = 0;

  void set(std::vector<link_state> xs, bool hold = false) {
    std::lock_guard<std::mutex> guard{mtx};
    links = std::move(xs);
    silent = hold;
  }

  int times_asked() {
    std::lock_guard<std::mutex> guard{mtx};
    return asked;
  }
};

using links_ptr = std::shared_ptr<reported_links>;

/// The stand-in's answer to `links_atom`, or a promise never delivered.
template <class Self>
caf::result<std::vector<link_state>> answer_links(Self* self,
                                                  const links_ptr& l) {
  std::lock_guard<std::mutex> guard{l->mtx};
  ++l->asked;
  if (l->silent)
    return self->template make_response_promise<std::vector<link_state>>();
  return l->links;
}

caf::result<std::string> answer(const hello& h, const std::string& name) {
  if (h.expected_node == name)
    return name;
  return caf::make_error(errc::misconfigured, "this is " + name);
}

/// A page of `ids` (sorted) after `p.after`: at most `p.limit`, `full` when
/// cut by the limit, complete below a watermark past every id.
template <class Page, class Make>
Page page_of(const std::vector<std::string>& ids, const page& p, Make make) {
  Page out;
  out.watermark = "ffffffff-ffff-7fff-bfff-ffffffffffff";
  for (auto& id : ids) {
    if (id <= p.after)
      continue;
    if (out.items.size() == p.limit) {
      out.full = out.more = true;
      break;
    }
    out.items.push_back(make(id));
  }
  return out;
}

user_actor::behavior_type fake_users(user_actor::pointer self, std::string name,
                                     std::vector<std::string> ids,
                                     links_ptr links) {
  auto no = [] { return caf::make_error(errc::storage, "not here"); };
  auto one = [name](const std::string& id) {
    return user{id, name, name + "@example.com", 0};
  };
  return {
      [=](hello_atom, const hello& h) { return answer(h, name); },
      [=](links_atom) { return answer_links(self, links); },
      [=](claim_atom, const unique_claim&) -> caf::result<bool> {
        return no();
      },
      [=](release_atom, const unique_claim&) -> caf::result<bool> {
        return no();
      },
      [=](lookup_atom, const std::string&) -> caf::result<id_state> {
        return no();
      },
      [=](create_atom, const new_user&) -> caf::result<user> {
        return one(new_id());
      },
      [=](get_atom, const std::string& id) -> caf::result<user> {
        return one(id);
      },
      [=](list_atom, const page& p) -> caf::result<user_page> {
        return page_of<user_page>(ids, p, one);
      },
      [=](verify_atom, const std::string&) -> caf::result<bool> {
        return true;
      },
      [=](get_atom, const std::vector<std::string>& xs)
          -> caf::result<std::vector<user_result>> {
        std::vector<user_result> out;
        for (auto& id : xs)
          out.push_back({caf::error{}, one(id)});
        return out;
      },
      [=](verify_atom, const std::vector<std::string>& xs)
          -> caf::result<std::vector<bool>> {
        return std::vector<bool>(xs.size(), true);
      },
  };
}

order_actor::behavior_type fake_orders(order_actor::pointer self,
                                       std::string name,
                                       std::vector<std::string> ids,
                                       links_ptr links) {
  // The status field carries the node's name.
  auto one = [name](const std::string& id, const std::string& user_id) {
    order o;
    o.id = id;
    o.user_id = user_id;
    o.status = name;
    return o;
  };
  return {
      [=](hello_atom, const hello& h) { return answer(h, name); },
      [=](links_atom) { return answer_links(self, links); },
      [=](create_atom, const new_order& x) -> caf::result<order> {
        return one(new_id(shard_byte_of(x.user_id)), x.user_id);
      },
      [=](get_atom, const std::string& id) -> caf::result<order> {
        return one(id, "");
      },
      [=](list_atom, const order_query& q) -> caf::result<order_page> {
        return page_of<order_page>(ids, q.window, [&](const std::string& id) {
          return one(id, q.user_id);
        });
      },
      [=](create_atom, const std::vector<new_order>& xs)
          -> caf::result<std::vector<order_result>> {
        std::vector<order_result> out;
        for (auto& x : xs)
          out.push_back(
              {caf::error{}, one(new_id(shard_byte_of(x.user_id)), x.user_id)});
        return out;
      },
  };
}

struct fixture {
  testing::caf_client nodes;
  testing::caf_client edge_side;
  /// Ids of users (resp. orders) on node 1 and 2, each in its node's shards.
  std::vector<std::string> ids[2];
  caf::actor user_nodes[2];
  /// What each stand-in reports of its links: users-1, users-2, orders-1,
  /// orders-2 (at first every link up).
  std::map<std::string, links_ptr> links;
  uint16_t http = 0;

  fixture() {
    // Ids in creation order, alternating between the nodes' shards.
    for (int k = 0; k < 6; ++k)
      ids[k % 2].push_back(new_id(static_cast<uint8_t>(k % 2)));
    http_edge::edge_config cfg;
    cfg.port = 0;
    cfg.links_timeout = 300ms;
    cfg.map = shard_map::even(128, 2, 2);
    cfg.user_nodes.clear();
    cfg.order_nodes.clear();
    for (int i = 0; i < 2; ++i) {
      auto n = std::to_string(i + 1);
      auto other = "users-" + std::to_string(2 - i);
      links["users-" + n] = std::make_shared<reported_links>();
      links["users-" + n]->set({{other, true, ""}});
      links["orders-" + n] = std::make_shared<reported_links>();
      links["orders-" + n]->set({{"users-1", true, ""}, {"users-2", true, ""}});
      auto u = nodes.system().spawn(fake_users, "users-" + n, ids[i],
                                    links["users-" + n]);
      auto o = nodes.system().spawn(fake_orders, "orders-" + n, ids[i],
                                    links["orders-" + n]);
      user_nodes[i] = caf::actor_cast<caf::actor>(u);
      fakes_.push_back(user_nodes[i]);
      fakes_.push_back(caf::actor_cast<caf::actor>(o));
      auto up = nodes.system().middleman().publish(u, 0, "127.0.0.1", true);
      auto op = nodes.system().middleman().publish(o, 0, "127.0.0.1", true);
      BOOST_REQUIRE(up && op);
      cfg.user_nodes.push_back(named_address{"users-" + n, "127.0.0.1", *up});
      cfg.order_nodes.push_back(named_address{"orders-" + n, "127.0.0.1", *op});
    }
    auto edge = http_edge::start_edge(edge_side.system(), cfg);
    BOOST_REQUIRE_MESSAGE(edge, edge_side.why(edge));
    edge_ = edge->first;
    http = edge->second;
    BOOST_REQUIRE(eventually_status("/readyz", 200));
  }

  ~fixture() {
    caf::anon_send_exit(edge_, caf::exit_reason::user_shutdown);
    for (auto& f : fakes_)
      caf::anon_send_exit(f, caf::exit_reason::user_shutdown);
  }

  bool eventually_status(const std::string& path, int status) {
    for (int i = 0; i < 100; ++i) {
      if (request(http, "GET", path).status == status)
        return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  caf::actor edge_;
  std::vector<caf::actor> fakes_;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(sharded_edge, fixture)

BOOST_AUTO_TEST_CASE(asks_the_node_that_owns_each_id) {
  auto ready = request(http, "GET", "/readyz").json();
  for (auto n : {"users-1", "users-2", "orders-1", "orders-2"})
    BOOST_CHECK_EQUAL(ready["nodes"][n]["connected"], true);
  for (int b = 0; b < 8; ++b) {
    auto id = new_id(static_cast<uint8_t>(b));
    auto u = request(http, "GET", "/api/users/" + id);
    BOOST_CHECK_EQUAL(u.json()["username"], owner_name("users-", id));
    auto o = request(http, "GET", "/api/orders/" + id);
    BOOST_CHECK_EQUAL(o.json()["status"], owner_name("orders-", id));
    auto c = request(http, "POST", "/api/orders",
                     R"({"userId":")" + id +
                         R"(","products":[{"productId":"p","quantity":1,)"
                         R"("price":1}]})");
    BOOST_CHECK_EQUAL(c.status, 201);
    BOOST_CHECK_EQUAL(c.json()["status"], owner_name("orders-", id));
    auto l = request(http, "GET", "/api/orders?userId=" + id);
    for (auto& x : l.json())
      BOOST_CHECK_EQUAL(x["status"], owner_name("orders-", id));
  }
}

BOOST_AUTO_TEST_CASE(creates_users_round_robin) {
  std::string body =
      R"({"username":"a","email":"a@example.com","password":"pw"})";
  auto a = request(http, "POST", "/api/users", body).json()["username"];
  auto b = request(http, "POST", "/api/users", body).json()["username"];
  BOOST_CHECK_NE(a, b);
}

BOOST_AUTO_TEST_CASE(a_link_walk_returns_every_record_of_every_node_in_order) {
  std::vector<std::string> all{ids[0].begin(), ids[0].end()};
  all.insert(all.end(), ids[1].begin(), ids[1].end());
  std::sort(all.begin(), all.end());
  for (std::string path : {"/api/users?limit=4", "/api/orders?limit=4"}) {
    std::vector<std::string> seen;
    for (int pages = 0; pages < 10; ++pages) {
      auto r = request(http, "GET", path);
      BOOST_REQUIRE_EQUAL(r.status, 200);
      for (auto& x : r.json())
        seen.push_back(x["id"]);
      auto link = r.header("link");
      if (!link)
        break;
      path = link->substr(1, link->find('>') - 1);
    }
    BOOST_CHECK(seen == all);
  }
}

BOOST_AUTO_TEST_CASE(losing_a_node_fails_only_what_needs_it) {
  caf::anon_send_exit(user_nodes[1], caf::exit_reason::kill);
  BOOST_REQUIRE(eventually_status("/readyz", 503));
  auto ready = request(http, "GET", "/readyz").json();
  BOOST_CHECK_EQUAL(ready["nodes"]["users-1"]["connected"], true);
  BOOST_CHECK_EQUAL(ready["nodes"]["users-2"]["connected"], false);
  auto list = request(http, "GET", "/api/users");
  BOOST_CHECK_EQUAL(list.status, 503);
  BOOST_CHECK_EQUAL(list.json()["error"], "User service unavailable");
  BOOST_CHECK_EQUAL(request(http, "GET", "/api/users/" + ids[0][0]).status,
                    200);
  BOOST_CHECK_EQUAL(request(http, "GET", "/api/users/" + ids[1][0]).status,
                    503);
  std::string body =
      R"({"username":"a","email":"a@example.com","password":"pw"})";
  for (int i = 0; i < 3; ++i) {
    auto c = request(http, "POST", "/api/users", body);
    BOOST_CHECK_EQUAL(c.status, 201);
    BOOST_CHECK_EQUAL(c.json()["username"], "users-1");
  }
  BOOST_CHECK_EQUAL(request(http, "GET", "/api/orders").status, 200);
}

BOOST_AUTO_TEST_CASE(readyz_shows_the_links_of_each_node_and_names_one_down) {
  auto ready = request(http, "GET", "/readyz");
  BOOST_CHECK_EQUAL(ready.status, 200);
  auto j = ready.json();
  BOOST_CHECK_EQUAL(j["nodes"]["users-1"].dump(),
                    R"({"connected":true,"links":[{"connected":true,)"
                    R"("name":"users-2"}]})");
  BOOST_CHECK_EQUAL(j["nodes"]["orders-2"]["links"].size(), 2u);
  BOOST_CHECK(!j.contains("down"));

  links["orders-2"]->set({{"users-1", true, ""}, {"users-2", false, "why"}});
  links["users-1"]->set({{"users-2", false, ""}});
  BOOST_REQUIRE(eventually_status("/readyz", 503));
  j = request(http, "GET", "/readyz").json();
  BOOST_CHECK_EQUAL(j["error"],
                    "Not ready, down: users-1 -> users-2, orders-2 -> users-2");
  BOOST_CHECK_EQUAL(j["down"].dump(),
                    R"(["users-1 -> users-2","orders-2 -> users-2"])");
  BOOST_CHECK_EQUAL(j["nodes"]["orders-2"]["connected"], true);
  BOOST_CHECK_EQUAL(j["nodes"]["orders-2"]["links"][1].dump(),
                    R"({"connected":false,"error":"why","name":"users-2"})");
  // Only /readyz: the nodes still serve.
  BOOST_CHECK_EQUAL(request(http, "GET", "/api/users/" + ids[0][0]).status,
                    200);

  links["orders-2"]->set({{"users-1", true, ""}, {"users-2", true, ""}});
  links["users-1"]->set({{"users-2", true, ""}});
  BOOST_CHECK(eventually_status("/readyz", 200));
}

BOOST_AUTO_TEST_CASE(a_node_that_does_not_report_its_links_is_not_ready) {
  links["users-2"]->set({}, true);
  // Asked afresh only once what the last round found is older than 200 ms.
  std::this_thread::sleep_for(250ms);
  http_connection slow{http};
  auto t0 = std::chrono::steady_clock::now();
  slow.send("GET", "/readyz");
  // The edge does not wait with anything else meanwhile.
  BOOST_CHECK_EQUAL(request(http, "GET", "/api/users/" + ids[1][0]).status,
                    200);
  BOOST_CHECK_EQUAL(request(http, "GET", "/healthz").status, 200);
  auto r = slow.read();
  auto took = std::chrono::steady_clock::now() - t0;
  BOOST_REQUIRE(r);
  BOOST_CHECK_EQUAL(r->status, 503);
  auto j = r->json();
  BOOST_CHECK_EQUAL(j["nodes"]["users-2"].dump(),
                    R"({"connected":true,"error":"did not report its links )"
                    R"(within 300 ms"})");
  BOOST_CHECK_EQUAL(j["down"].dump(), R"x(["users-2 (links unknown)"])x");
  BOOST_CHECK(took >= 250ms);
  BOOST_CHECK_MESSAGE(took < 2s, "waited past the links timeout");
  links["users-2"]->set({{"users-1", true, ""}});
  BOOST_CHECK(eventually_status("/readyz", 200));
}

BOOST_AUTO_TEST_CASE(readyz_polled_hard_asks_each_node_at_most_every_200_ms) {
  std::this_thread::sleep_for(250ms);
  auto before = links["orders-1"]->times_asked();
  auto t0 = std::chrono::steady_clock::now();
  int answered = 0;
  while (std::chrono::steady_clock::now() - t0 < 1s) {
    BOOST_REQUIRE_EQUAL(request(http, "GET", "/readyz").status, 200);
    ++answered;
  }
  auto asked = links["orders-1"]->times_asked() - before;
  BOOST_TEST_MESSAGE(answered << " answers, orders-1 asked " << asked
                              << " times");
  BOOST_CHECK_GT(answered, 20);
  BOOST_CHECK_GE(asked, 1);
  // At most one round per 200 ms (a round takes a moment too).
  BOOST_CHECK_LE(asked, 6);
}

BOOST_AUTO_TEST_SUITE_END()
