// Partitions under load: users <-> orders, users <-> edge and orders <-> edge
// cut in turn with nftables (packets dropped both ways, nothing closed),
// held past the BASP connection timeout, then healed. Requests that need the
// cut link fail fast (503/504), the rest keep succeeding, /readyz names the
// cut and is 200 again within 5 s of the heal, nothing acknowledged is lost.

#include "partitions/partitions.hpp"

#include <algorithm>
#include <iostream>

using namespace microshop::testing;
using namespace std::chrono_literals;

namespace {

/// The edge answers within its request timeout (5 s); 2 s of slack for a
/// loaded 2-core machine.
constexpr auto answer_bound = 7s;

struct cut_case {
  std::string name;
  std::vector<node> a;
  std::vector<node> b;
  /// The calls that need the cut link.
  std::set<call_kind> needing;
  /// What /readyz must name as down during the cut.
  std::set<std::string> down;
  /// What /readyz may also name as down during the cut.
  std::set<std::string> may_be_down;
};

std::set<call_kind> all_kinds() {
  return {call_kind::create_user, call_kind::read_user, call_kind::create_order,
          call_kind::read_order};
}

void run_cut(partition_fixture& f, const cut_case& cc) {
  BOOST_TEST_MESSAGE("cut " << cc.name);
  traffic load{f.http, f.user_ids, f.order_ids, cc.name};
  std::this_thread::sleep_for(2s);
  BOOST_REQUIRE_EQUAL(readyz_now(f.http).status, 200);
  auto t_cut = steady::now();
  partition cut{f.nodes, cc.a, cc.b};
  auto t_cut_done = steady::now();
  readyz_watch watch{f.http};
  // Past the 5 s BASP connection timeout: the links drop and reconnects run
  // into the cut.
  std::this_thread::sleep_for(8s);
  auto samples = watch.stop();
  auto t_heal = steady::now();
  cut.heal();
  auto ready_in = f.time_to_ready(10s);
  auto t_ready = steady::now();
  std::this_thread::sleep_for(2s);
  load.stop();
  auto records = load.records();

  // Every request got an answer within the bound.
  long long slowest = 0;
  for (auto& r : records) {
    slowest = std::max(slowest, ms(r.start, r.end));
    BOOST_CHECK_MESSAGE(r.status != 0 && r.end - r.start <= answer_bound,
                        cc.name << ": " << to_string(r.kind) << " " << r.key
                                << " got " << r.status << " after "
                                << ms(r.start, r.end) << " ms");
  }
  // What does not need the cut link keeps succeeding, also during the cut.
  for (auto kind : all_kinds()) {
    if (cc.needing.count(kind))
      continue;
    int ok_during = 0;
    for (auto& r : of_kinds(records, {kind})) {
      BOOST_CHECK_MESSAGE(r.status == 200 || r.status == 201,
                          cc.name << ": " << to_string(kind) << " " << r.key
                                  << " got " << r.status << " " << r.body);
      ok_during += r.start >= t_cut_done && r.end < t_heal;
    }
    BOOST_CHECK_MESSAGE(ok_during > 0, cc.name << ": no " << to_string(kind)
                                               << " succeeded during the cut");
  }
  // What needs it fails fast while cut, and works before and after.
  auto needing = of_kinds(records, cc.needing);
  int failed_during = 0;
  long long slowest_failure = 0;
  for (auto& r : needing) {
    bool ok = r.status == 200 || r.status == 201;
    bool failed = r.status == 503 || r.status == 504;
    BOOST_CHECK_MESSAGE(ok || failed, cc.name << ": " << to_string(r.kind)
                                              << " got " << r.status << " "
                                              << r.body);
    if (r.start >= t_cut_done && r.end < t_heal) {
      BOOST_CHECK_MESSAGE(failed, cc.name << ": " << to_string(r.kind) << " "
                                          << r.key << " got " << r.status
                                          << " during the cut");
      failed_during += failed;
      if (failed)
        slowest_failure = std::max(slowest_failure, ms(r.start, r.end));
    }
    if (r.end < t_cut || r.start >= t_ready)
      BOOST_CHECK_MESSAGE(ok, cc.name << ": " << to_string(r.kind) << " "
                                      << r.key << " got " << r.status
                                      << " outside the cut: " << r.body);
  }
  BOOST_CHECK_MESSAGE(failed_during > 0,
                      cc.name << ": nothing that needs the link failed");
  // /readyz names the cut, and nothing else.
  std::set<std::string> named;
  long long first_503 = -1;
  for (auto& s : samples) {
    if (s.status != 503)
      continue;
    if (first_503 < 0)
      first_503 = ms(t_cut_done, s.at);
    for (auto& d : s.down) {
      named.insert(d);
      BOOST_CHECK_MESSAGE(cc.down.count(d) || cc.may_be_down.count(d),
                          cc.name << ": /readyz names " << d << " down");
    }
  }
  for (auto& d : cc.down)
    BOOST_CHECK_MESSAGE(named.count(d),
                        cc.name << ": /readyz never named " << d);
  BOOST_REQUIRE_MESSAGE(ready_in, cc.name << ": /readyz not 200 within 10 s "
                                             "of the heal");
  BOOST_CHECK_LE(ready_in->count(), 5000);
  std::string names;
  for (auto& d : named)
    names += (names.empty() ? "" : ", ") + d;
  std::cout << "PARTITION " << cc.name << ": cut for " << ms(t_cut, t_heal)
            << " ms; needing it: " << status_counts(needing)
            << ", failed during the cut " << failed_during << " (slowest "
            << slowest_failure << " ms); slowest answer " << slowest
            << " ms; /readyz 503 from +" << first_503 << " ms naming [" << names
            << "], 200 " << ready_in->count() << " ms after the heal"
            << std::endl;
  f.check_acked(cc.name, records, t_cut, t_heal);
}

std::set<std::string> named(const cluster& c, node_kind k,
                            const std::string& suffix) {
  std::set<std::string> out;
  for (auto n : c.nodes(k))
    out.insert(to_string(n) + suffix);
  return out;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(partitions, partition_fixture)

BOOST_AUTO_TEST_CASE(cutting_users_from_orders_fails_only_order_creation) {
  std::set<std::string> down;
  for (auto o : nodes.nodes(node_kind::orders))
    for (auto u : nodes.nodes(node_kind::users))
      down.insert(to_string(o) + " -> " + to_string(u));
  run_cut(*this, {"users-orders",
                  nodes.nodes(node_kind::users),
                  nodes.nodes(node_kind::orders),
                  {call_kind::create_order},
                  down,
                  {}});
}

BOOST_AUTO_TEST_CASE(cutting_users_from_the_edge_fails_only_user_calls) {
  run_cut(*this, {"users-edge",
                  nodes.nodes(node_kind::users),
                  {node::edge},
                  {call_kind::create_user, call_kind::read_user},
                  named(nodes, node_kind::users, ""),
                  named(nodes, node_kind::users, " (links unknown)")});
}

BOOST_AUTO_TEST_CASE(cutting_orders_from_the_edge_fails_only_order_calls) {
  run_cut(*this, {"orders-edge",
                  nodes.nodes(node_kind::orders),
                  {node::edge},
                  {call_kind::create_order, call_kind::read_order},
                  named(nodes, node_kind::orders, ""),
                  named(nodes, node_kind::orders, " (links unknown)")});
}

BOOST_AUTO_TEST_SUITE_END()
