// Fault test of Idempotency-Key: clients that send every POST with a fresh
// key and retry it (same key, same body) after a 5xx, an in-progress 409 or
// a cut connection, while the user node, the order node and the edge are
// kill -9ed and restarted in turn. Afterwards the whole API shows exactly one
// record per key that finally got a 201, equal to what its client saw, and
// no other.

#include "e2e/e2e.hpp"

#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

using namespace microshop::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string in_progress =
    R"({"error":"A request with this Idempotency-Key is in progress"})";

/// One keyed POST as its client finally saw it.
struct keyed_post {
  std::string key;
  /// The username or productId that only this POST's body has.
  std::string tag;
  /// 0: no final answer (the client gave up).
  int status = 0;
  std::string body;
  bool replayed = false;
  int attempts = 0;
};

/// A client on one keep-alive connection (made again after a failure) that
/// retries a keyed POST until its answer is final: backoff from 50 ms,
/// doubling up to 1 s, for at most 30 s.
class retrying_client {
public:
  explicit retrying_client(uint16_t port) : port_(port) {
  }

  keyed_post post(const std::string& target, const std::string& body,
                  std::string key, std::string tag) {
    keyed_post out{std::move(key), std::move(tag)};
    auto give_up = std::chrono::steady_clock::now() + 30s;
    auto backoff = 50ms;
    while (true) {
      ++out.attempts;
      auto r = once(target, body, out.key);
      bool retry = !r || r->status >= 500 ||
                   (r->status == 409 && r->body == in_progress);
      if (!retry) {
        out.status = r->status;
        out.body = r->body;
        auto h = r->header("idempotent-replayed");
        out.replayed = h && *h == "true";
        return out;
      }
      if (std::chrono::steady_clock::now() + backoff > give_up)
        return out;
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds{1s});
    }
  }

private:
  std::optional<http_response> once(const std::string& target,
                                    const std::string& body,
                                    const std::string& key) {
    try {
      if (!conn_)
        conn_ = std::make_unique<http_connection>(port_);
      conn_->send(
          "POST", target, body,
          {{"Content-Type", "application/json"}, {"Idempotency-Key", key}});
      auto r = conn_->read(6s);
      auto c = r ? r->header("connection") : nullptr;
      if (!r || (c && *c == "close"))
        conn_.reset();
      return r;
    } catch (const std::exception&) {
      conn_.reset();
      return std::nullopt;
    }
  }

  uint16_t port_;
  std::unique_ptr<http_connection> conn_;
};

struct retries_fixture : e2e_fixture {
  std::atomic<bool> stop{false};
  std::mutex mtx;
  std::vector<keyed_post> users;
  std::vector<keyed_post> orders;

  /// Client `c`: a user, then two orders for its newest user, until
  /// stopped; each POST with a key of its own.
  void run(int c) {
    retrying_client client{http};
    std::string uid;
    for (int n = 0; !stop; ++n) {
      auto name = "ir" + std::to_string(c) + "_" + std::to_string(n);
      auto u = client.post("/api/users",
                           json{{"username", name},
                                {"email", name + "@retries.example.com"},
                                {"password", "password-" + name}}
                               .dump(),
                           "u-" + name, name);
      if (u.status == 201)
        uid = json::parse(u.body)["id"].get<std::string>();
      std::vector<keyed_post> mine;
      for (int k = 0; k < 2 && !uid.empty(); ++k) {
        auto product = "p" + name + "_" + std::to_string(k);
        auto body = json{{"userId", uid},
                         {"products",
                          {{{"productId", product},
                            {"quantity", k + 1},
                            {"price", 2.5}}}}}
                        .dump();
        mine.push_back(client.post("/api/orders", body,
                                   "o-" + name + "-" + std::to_string(k),
                                   product));
      }
      std::lock_guard<std::mutex> guard{mtx};
      users.push_back(std::move(u));
      orders.insert(orders.end(), mine.begin(), mine.end());
    }
  }

  /// Every item of the listing at `target`, following its `Link` pages.
  std::vector<json> list_all(std::string target) {
    std::vector<json> items;
    while (!target.empty()) {
      auto r = get(target);
      BOOST_REQUIRE_MESSAGE(r.status == 200, target << ": " << r.status);
      for (auto& item : r.json())
        items.push_back(item);
      target = next_link(r);
    }
    return items;
  }

  /// Checks `posts` against `records` (tagged by `tag_of`): one record per
  /// final 201, equal to its body, and no other; returns the counts.
  std::string check(const std::string& what,
                    const std::vector<keyed_post>& posts,
                    const std::vector<json>& records,
                    std::string (*tag_of)(const json&)) {
    std::map<std::string, std::vector<json>> by_tag;
    for (auto& r : records)
      by_tag[tag_of(r)].push_back(r);
    int created = 0;
    int retried = 0;
    int replayed = 0;
    std::map<int, int> finals;
    for (auto& p : posts) {
      ++finals[p.status];
      retried += p.attempts > 1;
      replayed += p.replayed;
      auto& found = by_tag[p.tag];
      if (p.status != 201) {
        BOOST_CHECK_MESSAGE(found.empty(), what << " " << p.key << " ended "
                                                << p.status << " " << p.body
                                                << " yet has a record");
        continue;
      }
      ++created;
      BOOST_CHECK_MESSAGE(found.size() == 1 && found[0] == json::parse(p.body),
                          what << " " << p.key << ": " << found.size()
                               << " records for " << p.body);
    }
    // A final answer other than 201 (a refusal of a fresh, valid request,
    // or a client that gave up) is a failure too.
    for (auto& [status, n] : finals)
      BOOST_CHECK_MESSAGE(status == 201,
                          what << ": " << n << " keys ended with " << status);
    BOOST_CHECK_EQUAL(records.size(), static_cast<size_t>(created));
    BOOST_CHECK_GT(created, 0);
    std::ostringstream line;
    line << what << " keys=" << posts.size() << " 201=" << created
         << " records=" << records.size() << " retried=" << retried
         << " replayed=" << replayed;
    totals_retried += retried;
    totals_replayed += replayed;
    return line.str();
  }

  int totals_retried = 0;
  int totals_replayed = 0;
};

std::string username_of(const json& u) {
  return u["username"].get<std::string>();
}

std::string product_of(const json& o) {
  return o["products"].size() == 1
             ? o["products"][0]["productId"].get<std::string>()
             : std::string{"?"};
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(faults, retries_fixture)

BOOST_AUTO_TEST_CASE(
    retried_keyed_posts_make_one_record_each_across_kill9_of_every_node) {
  std::vector<std::thread> clients;
  // Stops and joins the clients however the test ends.
  auto join = [&] {
    stop = true;
    for (auto& t : clients)
      if (t.joinable())
        t.join();
  };
  std::shared_ptr<void> joined{nullptr, [&](void*) { join(); }};
  for (int c = 0; c < 8; ++c)
    clients.emplace_back([this, c] { run(c); });
  auto crash = [&](node n) {
    std::this_thread::sleep_for(1s);
    nodes.kill9(n);
    std::this_thread::sleep_for(n == node::edge ? 300ms : 700ms);
    nodes.start(n);
    wait_ready();
  };
  crash(node::users);
  crash(node::orders);
  crash(node::edge);
  std::this_thread::sleep_for(1s);
  join();
  auto u =
      check("users", users, list_all("/api/users?limit=1000"), username_of);
  auto o =
      check("orders", orders, list_all("/api/orders?limit=1000"), product_of);
  std::cout << "FAULT idempotent_retries: " << u << "; " << o << std::endl;
  BOOST_TEST_MESSAGE("FAULT idempotent_retries: " << u << "; " << o);
  // Without faults nothing is retried and nothing replayed.
  BOOST_CHECK_GT(totals_retried, 0);
  BOOST_CHECK_GT(totals_replayed, 0);
}

BOOST_AUTO_TEST_SUITE_END()
