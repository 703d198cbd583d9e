#include "partitions/partitions.hpp"

#include "support/http_client.hpp"

#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>

namespace microshop::testing {

long long ms(steady::time_point from, steady::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from)
      .count();
}

std::vector<call_record> of_kinds(const std::vector<call_record>& records,
                                  const std::set<call_kind>& kinds) {
  std::vector<call_record> out;
  for (auto& r : records)
    if (kinds.count(r.kind))
      out.push_back(r);
  return out;
}

std::string status_counts(const std::vector<call_record>& records) {
  std::map<int, int> counts;
  for (auto& r : records)
    ++counts[r.status];
  std::ostringstream out;
  out << "{";
  for (auto& [status, count] : counts)
    out << " " << status << ":" << count;
  out << " }";
  return out.str();
}

partition::partition(const cluster& c, std::vector<node> a, std::vector<node> b)
    : c_(c) {
  auto drop_from = [&](node n, const std::vector<node>& others) {
    std::string set;
    for (auto o : others)
      set += (set.empty() ? "" : ", ") + c_.address(o);
    for (auto& argv : std::vector<std::vector<std::string>>{
             {"nft", "add", "table", "inet", "microshop_cut"},
             {"nft", "add", "chain", "inet", "microshop_cut", "input", "{",
              "type", "filter", "hook", "input", "priority", "-10", ";",
              "policy", "accept", ";", "}"},
             {"nft", "add", "rule", "inet", "microshop_cut", "input", "ip",
              "saddr", "{", set, "}", "drop"}}) {
      auto r = c_.run_in(n, argv);
      BOOST_REQUIRE_MESSAGE(r.code == 0,
                            "nft in " << to_string(n) << ": " << r.output);
    }
    cut_.push_back(n);
  };
  for (auto n : a)
    drop_from(n, b);
  for (auto n : b)
    drop_from(n, a);
}

partition::~partition() {
  for (auto n : cut_)
    c_.run_in(n, {"nft", "delete", "table", "inet", "microshop_cut"});
}

void partition::heal() {
  for (auto n : cut_) {
    auto r = c_.run_in(n, {"nft", "delete", "table", "inet", "microshop_cut"});
    BOOST_REQUIRE_MESSAGE(r.code == 0,
                          "nft in " << to_string(n) << ": " << r.output);
  }
  cut_.clear();
}

readyz_sample readyz_now(uint16_t port) {
  readyz_sample s;
  try {
    http_connection conn{port};
    conn.send("GET", "/readyz");
    if (auto r = conn.read(std::chrono::seconds(3))) {
      s.status = r->status;
      auto j = r->json();
      if (j.is_object() && j.contains("down") && j["down"].is_array())
        for (auto& d : j["down"])
          if (d.is_string())
            s.down.push_back(d.get<std::string>());
    }
  } catch (const std::exception&) {
    // status 0
  }
  s.at = steady::now();
  return s;
}

readyz_watch::readyz_watch(uint16_t port) {
  thread_ = std::thread{[this, port] {
    while (!stop_) {
      samples_.push_back(readyz_now(port));
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }};
}

readyz_watch::~readyz_watch() {
  stop();
}

std::vector<readyz_sample> readyz_watch::stop() {
  stop_ = true;
  if (thread_.joinable())
    thread_.join();
  return samples_;
}

netns_tls_mode::netns_tls_mode() {
  ::setenv("MICROSHOP_TEST_NETNS", "1", 1);
  auto tls = std::getenv("MICROSHOP_PARTITION_TLS");
  ::setenv("MICROSHOP_TEST_TLS",
           tls && std::string_view{tls} == "0" ? "0" : "1", 1);
}

partition_fixture::partition_fixture() : e2e_fixture(false, shape{3, 2}) {
  nodes.start_all();
  http = nodes.port(node::edge);
  std::string last;
  bool ready = wait_until(
      [&] {
        auto r = request(http, "GET", "/readyz");
        last = r.body;
        return r.status == 200;
      },
      std::chrono::seconds(20));
  if (!ready)
    for (auto n : nodes.all())
      BOOST_TEST_MESSAGE(to_string(n) << " printed:\n" << nodes.log(n));
  BOOST_REQUIRE_MESSAGE(ready, "cluster not ready: " << last);
  for (int i = 0; i < 9; ++i) {
    user_ids.push_back(make_user("seed" + std::to_string(i))["id"]);
    auto o = place(user_ids.back());
    BOOST_REQUIRE_EQUAL(o.status, 201);
    order_ids.push_back(o.json()["id"]);
  }
}

std::optional<std::chrono::milliseconds>
partition_fixture::time_to_ready(std::chrono::milliseconds limit) {
  auto t0 = steady::now();
  while (steady::now() - t0 < limit) {
    if (readyz_now(http).status == 200)
      return std::chrono::milliseconds(ms(t0, steady::now()));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::nullopt;
}

int partition_fixture::check_acked(const std::string& scenario,
                                   const std::vector<call_record>& records,
                                   steady::time_point from,
                                   steady::time_point to) {
  int before = 0, during = 0, after = 0, found = 0;
  for (auto& r : records) {
    if (r.status != 201 ||
        (r.kind != call_kind::create_user && r.kind != call_kind::create_order))
      continue;
    (r.end < from ? before : r.end < to ? during : after) += 1;
    auto created = nlohmann::json::parse(r.body, nullptr, false);
    BOOST_REQUIRE_MESSAGE(created.is_object() && created.contains("id"),
                          "201 without an id: " << r.body);
    auto id = created["id"].get<std::string>();
    auto got = get(
        (r.kind == call_kind::create_user ? "/api/users/" : "/api/orders/") +
        id);
    if (got.status == 200 && got.json() == created)
      ++found;
    else
      BOOST_ERROR(scenario << ": acknowledged " << id << " is " << got.status
                           << " " << got.body);
  }
  int acked = before + during + after;
  std::ostringstream line;
  line << "PARTITION " << scenario << ": acked before=" << before
       << " during=" << during << " after=" << after << " found=" << found
       << " lost=" << acked - found << " statuses=" << status_counts(records);
  std::cout << line.str() << std::endl;
  BOOST_TEST_MESSAGE(line.str());
  BOOST_CHECK_EQUAL(found, acked);
  BOOST_CHECK_GT(before, 0);
  BOOST_CHECK_GT(after, 0);
  return acked;
}

} // namespace microshop::testing
