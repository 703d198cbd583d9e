// The user node under a flood of creates, and pollers that page with
// `after` while users are being created: real node processes over HTTP.

#include "e2e/e2e.hpp"
#include "support/load.hpp"

#include <algorithm>
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

using namespace microshop::testing;
using namespace std::chrono_literals;

namespace {

std::string user_body(const std::string& name) {
  return nlohmann::json{{"username", name},
                        {"email", name + "@example.com"},
                        {"password", "pw-" + name + "-1"}}
      .dump();
}

std::string post_bytes(const std::string& name) {
  auto body = user_body(name);
  return "POST /api/users HTTP/1.1\r\nHost: localhost\r\n"
         "Content-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// A cluster whose user node hashes slowly (64 MiB, 3 passes: well over
/// 50 ms a hash) with the given extra user node flags.
struct slow_hash_cluster : e2e_fixture {
  explicit slow_hash_cluster(std::vector<std::string> user_flags)
      : e2e_fixture(false) {
    user_flags.insert(user_flags.begin(),
                      {"--hash-ops=3", "--hash-mem-kib=65536"});
    nodes.extra_args[node::users] = std::move(user_flags);
    start_all();
  }

  /// Every username stored, following Link pages.
  std::set<std::string> stored_usernames() {
    std::set<std::string> out;
    std::string after;
    for (;;) {
      auto r = get("/api/users?limit=1000" +
                   (after.empty() ? "" : "&after=" + after));
      BOOST_REQUIRE_EQUAL(r.status, 200);
      auto items = r.json();
      for (auto& u : items)
        out.insert(u.at("username").get<std::string>());
      if (items.empty() || !r.header("link"))
        return out;
      after = items.back().at("id").get<std::string>();
    }
  }
};

/// Sends `n` creates pipelined in one write on a fresh connection and reads
/// their answers: name -> response (status 0 when none came). Safe on any
/// thread: it asserts nothing.
std::vector<std::pair<std::string, http_response>>
pipelined_creates(uint16_t port, const std::string& prefix, int n) {
  http_connection conn{port};
  std::string bytes;
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) {
    names.push_back(prefix + std::to_string(i));
    bytes += post_bytes(names.back());
  }
  conn.send_raw(bytes);
  std::vector<std::pair<std::string, http_response>> out;
  for (auto& name : names) {
    auto r = conn.read(15s);
    out.emplace_back(name, r ? std::move(*r) : http_response{});
  }
  return out;
}

/// What one poller saw: every id in the order seen, and the first problem.
struct poll_log {
  std::vector<std::string> seen;
  std::string bad;
};

/// Pages through GET /api/users with `after` = the last id seen, small
/// pages, until `done` is set and a later round finds nothing new. Safe on
/// any thread: it asserts nothing.
void poll_until_done(uint16_t port, const std::atomic<bool>& done,
                     poll_log& log) {
  std::string after;
  bool last_round = false;
  for (;;) {
    auto r = request(port, "GET",
                     "/api/users?limit=7" +
                         (after.empty() ? "" : "&after=" + after));
    if (r.status != 200) {
      log.bad = "status " + std::to_string(r.status);
      return;
    }
    auto items = r.json();
    for (auto& u : items) {
      auto id = u.at("id").get<std::string>();
      if (!log.seen.empty() && id <= log.seen.back() && log.bad.empty())
        log.bad = "out of order: " + id + " after " + log.seen.back();
      log.seen.push_back(id);
      after = id;
    }
    if (items.empty()) {
      if (last_round)
        return;
      // Every create was answered before this empty page: one more round
      // sees them all.
      last_round = done.load();
      std::this_thread::sleep_for(1ms); // a poll interval, not a sync
    }
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(user_node_under_create_floods)

BOOST_AUTO_TEST_CASE(
    creates_past_the_hash_queue_get_503_with_retry_after_at_once) {
  slow_hash_cluster c{{"--hash-workers=1", "--hash-queue=2"}};
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string, http_response>> answers;
  std::thread other{[&, port = c.http] {
    answers = pipelined_creates(port, "flood_a", 100);
  }};
  auto mine = pipelined_creates(c.http, "flood_b", 100);
  other.join();
  answers.insert(answers.end(), mine.begin(), mine.end());
  auto elapsed = std::chrono::steady_clock::now() - t0;
  std::set<std::string> created, refused;
  for (auto& [name, r] : answers) {
    if (r.status == 201) {
      created.insert(name);
      continue;
    }
    BOOST_CHECK_EQUAL(r.status, 503);
    auto retry = r.header("retry-after");
    BOOST_CHECK(retry && *retry == "1");
    BOOST_CHECK_EQUAL(r.json().dump(),
                      R"({"error":"User service overloaded"})");
    refused.insert(name);
  }
  BOOST_TEST_MESSAGE("200 pipelined creates: "
                     << created.size() << " x 201, " << refused.size()
                     << " x 503 in "
                     << std::chrono::duration<double>(elapsed).count() << " s");
  // One hashing and two waiting at a time: nearly all refused, and the
  // refusals did not wait for hashes (200 hashes take well over 10 s).
  BOOST_CHECK_GT(refused.size(), 150u);
  BOOST_CHECK_LT(elapsed, 10s);
  // Nothing refused was stored, and nothing is stored after its answer.
  BOOST_CHECK(c.stored_usernames() == created);
}

BOOST_AUTO_TEST_CASE(a_create_that_waited_too_long_for_a_hash_is_never_stored) {
  slow_hash_cluster c{
      {"--hash-workers=1", "--hash-queue=100", "--hash-max-wait=150ms"}};
  auto answers = pipelined_creates(c.http, "late", 30);
  std::set<std::string> created;
  int refused = 0;
  for (auto& [name, r] : answers) {
    if (r.status == 201) {
      created.insert(name);
    } else {
      BOOST_CHECK_EQUAL(r.status, 503);
      BOOST_CHECK(r.header("retry-after"));
      ++refused;
    }
  }
  // Whatever the exact split, the queue may not hold a create for 30 hashes:
  // those that waited past 150 ms were answered 503 and never hashed.
  BOOST_CHECK_GT(refused, 0);
  BOOST_CHECK(c.stored_usernames() == created);
}

BOOST_AUTO_TEST_CASE(pollers_paging_with_after_see_every_user_once_in_order) {
  e2e_fixture c{false};
  c.nodes.extra_args[node::users] = {"--hash-workers=8", "--hash-queue=64"};
  c.start_all();
  constexpr int clients = 16;
  constexpr int per_client = 40;
  constexpr int pollers = 3;
  std::atomic<bool> done{false};
  std::vector<poll_log> logs(pollers);
  std::vector<std::thread> threads;
  for (int i = 0; i < pollers; ++i)
    threads.emplace_back([&, i] { poll_until_done(c.http, done, logs[i]); });
  load creates{c.http, clients,
               [](int client, int n) {
                 auto name =
                     "p" + std::to_string(client) + "_" + std::to_string(n);
                 return load::request{"POST", "/api/users", user_body(name)};
               },
               per_client};
  bool finished = wait_until(
      [&] { return creates.results().size() == clients * per_client; }, 120s);
  creates.stop();
  done = true;
  for (auto& t : threads)
    t.join();
  BOOST_REQUIRE(finished);
  std::vector<std::string> ids;
  for (auto& [req, out] : creates.results()) {
    BOOST_REQUIRE_EQUAL(out.status, 201);
    ids.push_back(nlohmann::json::parse(out.body).at("id"));
  }
  std::sort(ids.begin(), ids.end());
  for (auto& log : logs) {
    BOOST_CHECK_MESSAGE(log.bad.empty(), log.bad);
    BOOST_CHECK_EQUAL(log.seen.size(), ids.size());
    BOOST_CHECK(log.seen == ids);
  }
}

BOOST_AUTO_TEST_SUITE_END()
