#pragma once

// Shared by the partition tests: a 3x2 cluster, every node in its own network
// namespace, every link with mutual TLS; load that records when each request
// ran and what it got; links cut with nftables inside the namespaces.

#include "e2e/e2e.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace microshop::testing {

using steady = std::chrono::steady_clock;

/// What one request of the load does.
enum class call_kind { create_user, read_user, create_order, read_order };

/// "create_user", ...
std::string to_string(call_kind k);

/// One request of the load: what, for which record, when it ran, what it got.
struct call_record {
  call_kind kind = call_kind::read_user;
  /// The user of a read_user or create_order, the order of a read_order, the
  /// username of a create_user.
  std::string key;
  steady::time_point start;
  steady::time_point end;
  /// 0 when no answer came (connection failed or 10 s passed).
  int status = 0;
  std::string body;
};

/// Closed-loop HTTP load: `per_kind` client threads for each kind of call,
/// each on its own keep-alive connection, pausing `think` between requests,
/// until stopped. Reads and orders go to the given users and orders; every
/// created username is new.
class traffic {
public:
  traffic(uint16_t port, std::vector<std::string> user_ids,
          std::vector<std::string> order_ids, std::string tag, int per_kind = 2,
          std::chrono::milliseconds think = std::chrono::milliseconds(25));
  ~traffic();
  traffic(const traffic&) = delete;
  traffic& operator=(const traffic&) = delete;

  /// Stops every client after its current request and waits for them.
  void stop();

  /// Every request so far.
  std::vector<call_record> records() const;

private:
  void run(call_kind kind, int client);

  uint16_t port_;
  std::vector<std::string> users_;
  std::vector<std::string> orders_;
  std::string tag_;
  std::chrono::milliseconds think_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mtx_;
  std::vector<call_record> records_;
  std::vector<std::thread> threads_;
};

/// A partition between two groups of nodes: packets between them are
/// dropped, nothing is closed. Each node drops, on input in its own
/// namespace, what comes from the other group (dropping on output would fail
/// the sender's own `connect`/`send` at once, which a lost network never
/// does). Heals when it goes away.
class partition {
public:
  partition(const cluster& c, std::vector<node> a, std::vector<node> b);
  ~partition();
  partition(const partition&) = delete;
  partition& operator=(const partition&) = delete;

  /// Lets packets pass again; fails the test when a rule cannot be removed.
  void heal();

private:
  const cluster& c_;
  std::vector<node> cut_;
};

/// One answer of /readyz and when it came.
struct readyz_sample {
  steady::time_point at;
  int status = 0;
  /// The "down" list of a 503.
  std::vector<std::string> down;
};

/// Polls /readyz every 200 ms on a thread of its own until stopped.
class readyz_watch {
public:
  explicit readyz_watch(uint16_t port);
  ~readyz_watch();
  readyz_watch(const readyz_watch&) = delete;
  readyz_watch& operator=(const readyz_watch&) = delete;

  /// Stops polling; every answer so far.
  std::vector<readyz_sample> stop();

private:
  std::atomic<bool> stop_{false};
  std::vector<readyz_sample> samples_;
  std::thread thread_;
};

/// One /readyz answer now (status 0 when none came).
readyz_sample readyz_now(uint16_t port);

/// Sets MICROSHOP_TEST_NETNS=1 and MICROSHOP_TEST_TLS=1 for the cluster
/// made after it: the partition tests need namespaces to cut, and TLS is the
/// default cluster's (MICROSHOP_PARTITION_TLS=0 runs them in plaintext, to
/// tell a fault of the TLS links from one of the partition handling).
struct netns_tls_mode {
  netns_tls_mode();
};

/// A started, ready 3x2 cluster in netns mode with TLS, with users and
/// orders to read. 3x2 and not 2x2: the even map puts shard s on users-(s%N)
/// and orders-(s%M), so with 2x2 every order of a user of users-2 lives on
/// orders-2, and no order through orders-1 needs users-2 (the blocking
/// connect case needs one).
struct partition_fixture : netns_tls_mode, e2e_fixture {
  std::vector<std::string> user_ids;
  std::vector<std::string> order_ids;

  partition_fixture();

  /// Waits until /readyz is 200; how long that took, or nothing after
  /// `limit`.
  std::optional<std::chrono::milliseconds>
  time_to_ready(std::chrono::milliseconds limit);

  /// Reads back every record a create of `records` acknowledged (201) and
  /// compares it with what the create answered; prints one line,
  /// "PARTITION <scenario>: acked before=.. during=.. after=.. found=..
  /// lost=..", counting by when the ack came against [from, to), and checks
  /// that nothing is lost. Returns the number acknowledged.
  int check_acked(const std::string& scenario,
                  const std::vector<call_record>& records,
                  steady::time_point from, steady::time_point to);
};

/// The records of `kinds`.
std::vector<call_record> of_kinds(const std::vector<call_record>& records,
                                  const std::set<call_kind>& kinds);

/// Milliseconds from `from` to `to`.
long long ms(steady::time_point from, steady::time_point to);

/// "{ 200:12 503:3 }": statuses counted.
std::string status_counts(const std::vector<call_record>& records);

} // namespace microshop::testing
