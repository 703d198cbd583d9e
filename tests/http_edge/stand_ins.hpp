#pragma once

// The edge over 2 user and 2 order nodes: stand-ins of the services' typed
// handles, published over BASP in a second actor system, and real HTTP on a
// socket. Each stand-in answers with its own name, so that the answers show
// which node a request went to, and reports the links the test sets.

#include "actors/errc.hpp"
#include "actors/ids.hpp"
#include "actors/shard_map.hpp"
#include "http_edge/edge.hpp"
#include "support/caf_client.hpp"
#include "support/http_client.hpp"

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

namespace microshop::testing::stand_ins {

using namespace std::chrono_literals;
using namespace microshop::actors;

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

inline caf::result<std::string> answer(const hello& h,
                                       const std::string& name) {
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

inline user_actor::behavior_type fake_users(user_actor::pointer self,
                                            std::string name,
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
      [=](create_atom, const new_user&,
          const std::string&) -> caf::result<user_result> {
        return user_result{caf::none, one(new_id()), false};
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
      [=](get_atom, const std::vector<id_query>& xs)
          -> caf::result<std::vector<user_result>> {
        std::vector<user_result> out;
        for (auto& q : xs)
          out.push_back({caf::error{}, one(q.id)});
        return out;
      },
      [=](verify_atom,
          const std::vector<id_query>& xs) -> caf::result<std::vector<bool>> {
        return std::vector<bool>(xs.size(), true);
      },
      [=](metrics_atom) -> caf::result<metric_samples> {
        return metric_samples{{"microshop_store_keys", "family=\"default\"",
                               static_cast<double>(ids.size())}};
      },
  };
}

inline order_actor::behavior_type fake_orders(order_actor::pointer self,
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
      [=](get_atom, const id_query& q) -> caf::result<order> {
        return one(q.id, "");
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
      [=](metrics_atom) -> caf::result<metric_samples> {
        return metric_samples{};
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

} // namespace microshop::testing::stand_ins
